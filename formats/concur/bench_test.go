package concur

import (
	"bytes"
	"encoding/csv"
	"io"
	"sync"
	"testing"

	"github.com/gocarina/gocsv"
	"github.com/upsmigrate/upsmigrate/formats/formattest"
	"github.com/upsmigrate/upsmigrate/internal/gen"
)

// benchRows is the size of the generated 305 file the benchmarks read.
const benchRows = 100_000

var (
	benchOnce sync.Once
	benchData []byte
)

func data305(b *testing.B) []byte {
	benchOnce.Do(func() {
		var buf bytes.Buffer
		if err := gen.Write305(&buf, benchRows, 42); err != nil {
			b.Fatal(err)
		}
		benchData = buf.Bytes()
	})
	return benchData
}

// BenchmarkEncodingCSV305 is the baseline: a bare encoding/csv read of the
// generated file, every record kept (no ReuseRecord), nothing checked.
func BenchmarkEncodingCSV305(b *testing.B) {
	data := data305(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		n := 0
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			n += len(rec)
		}
		if n == 0 {
			b.Fatal("no fields read")
		}
	}
}

// BenchmarkReader305 reads the same file with the package's Reader.
func BenchmarkReader305(b *testing.B) {
	formattest.BenchRead(b, data305(b), benchRows+1, formattest.Open(NewReader))
}

var (
	crlfOnce sync.Once
	crlfData []byte
)

// BenchmarkReader305CRLF reads the same file with CRLF line ends, as
// Windows tools write it: every line end is a CR the reader looks at.
func BenchmarkReader305CRLF(b *testing.B) {
	crlfOnce.Do(func() { crlfData = bytes.ReplaceAll(data305(b), []byte("\n"), []byte("\r\n")) })
	formattest.BenchRead(b, crlfData, benchRows+1, formattest.Open(NewReader))
}

// BenchmarkGocsv305 decodes the same file into typed structs with gocsv's
// only streaming header-less call, UnmarshalToChanWithoutHeaders. Its
// default reader rejects the file (the 7-field 100 line would fix the
// width), so the benchmark swaps in one with FieldsPerRecord = -1; that
// setting is global, which is one more reason the Reader does not use it.
func BenchmarkGocsv305(b *testing.B) {
	data := data305(b)
	gocsv.SetCSVReader(func(in io.Reader) gocsv.CSVReader {
		cr := csv.NewReader(in)
		cr.FieldsPerRecord = -1
		return cr
	})
	defer gocsv.SetCSVReader(gocsv.DefaultCSVReader)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		ch := make(chan *row305, 64)
		errc := make(chan error, 1)
		go func() { errc <- gocsv.UnmarshalToChanWithoutHeaders(bytes.NewReader(data), ch) }()
		n := 0
		for range ch {
			n++
		}
		if err := <-errc; err != nil {
			b.Fatal(err)
		}
		if n != benchRows+1 {
			b.Fatalf("decoded %d rows, want %d", n, benchRows+1)
		}
	}
}

// BenchmarkReaderGocsv305 is the other way to get typed structs: the Reader
// streams and checks each row (positions, width guard), then gocsv decodes
// it into the struct.
func BenchmarkReaderGocsv305(b *testing.B) {
	data := data305(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewReader(bytes.NewReader(data), "bench.csv")
		n := 0
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if rec.Type != "305" {
				continue
			}
			if _, err := decodeRow[row305](rec.Values); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if n != benchRows {
			b.Fatalf("decoded %d rows, want %d", n, benchRows)
		}
	}
}

// row305 is a 305 record as a typed struct, one string per position.
type row305 struct {
	F001 string `csv:"f1"`
	F002 string `csv:"f2"`
	F003 string `csv:"f3"`
	F004 string `csv:"f4"`
	F005 string `csv:"f5"`
	F006 string `csv:"f6"`
	F007 string `csv:"f7"`
	F008 string `csv:"f8"`
	F009 string `csv:"f9"`
	F010 string `csv:"f10"`
	F011 string `csv:"f11"`
	F012 string `csv:"f12"`
	F013 string `csv:"f13"`
	F014 string `csv:"f14"`
	F015 string `csv:"f15"`
	F016 string `csv:"f16"`
	F017 string `csv:"f17"`
	F018 string `csv:"f18"`
	F019 string `csv:"f19"`
	F020 string `csv:"f20"`
	F021 string `csv:"f21"`
	F022 string `csv:"f22"`
	F023 string `csv:"f23"`
	F024 string `csv:"f24"`
	F025 string `csv:"f25"`
	F026 string `csv:"f26"`
	F027 string `csv:"f27"`
	F028 string `csv:"f28"`
	F029 string `csv:"f29"`
	F030 string `csv:"f30"`
	F031 string `csv:"f31"`
	F032 string `csv:"f32"`
	F033 string `csv:"f33"`
	F034 string `csv:"f34"`
	F035 string `csv:"f35"`
	F036 string `csv:"f36"`
	F037 string `csv:"f37"`
	F038 string `csv:"f38"`
	F039 string `csv:"f39"`
	F040 string `csv:"f40"`
	F041 string `csv:"f41"`
	F042 string `csv:"f42"`
	F043 string `csv:"f43"`
	F044 string `csv:"f44"`
	F045 string `csv:"f45"`
	F046 string `csv:"f46"`
	F047 string `csv:"f47"`
	F048 string `csv:"f48"`
	F049 string `csv:"f49"`
	F050 string `csv:"f50"`
	F051 string `csv:"f51"`
	F052 string `csv:"f52"`
	F053 string `csv:"f53"`
	F054 string `csv:"f54"`
	F055 string `csv:"f55"`
	F056 string `csv:"f56"`
	F057 string `csv:"f57"`
	F058 string `csv:"f58"`
	F059 string `csv:"f59"`
	F060 string `csv:"f60"`
	F061 string `csv:"f61"`
	F062 string `csv:"f62"`
	F063 string `csv:"f63"`
	F064 string `csv:"f64"`
	F065 string `csv:"f65"`
	F066 string `csv:"f66"`
	F067 string `csv:"f67"`
	F068 string `csv:"f68"`
	F069 string `csv:"f69"`
	F070 string `csv:"f70"`
	F071 string `csv:"f71"`
	F072 string `csv:"f72"`
	F073 string `csv:"f73"`
	F074 string `csv:"f74"`
	F075 string `csv:"f75"`
	F076 string `csv:"f76"`
	F077 string `csv:"f77"`
	F078 string `csv:"f78"`
	F079 string `csv:"f79"`
	F080 string `csv:"f80"`
	F081 string `csv:"f81"`
	F082 string `csv:"f82"`
	F083 string `csv:"f83"`
	F084 string `csv:"f84"`
	F085 string `csv:"f85"`
	F086 string `csv:"f86"`
	F087 string `csv:"f87"`
	F088 string `csv:"f88"`
	F089 string `csv:"f89"`
	F090 string `csv:"f90"`
	F091 string `csv:"f91"`
	F092 string `csv:"f92"`
	F093 string `csv:"f93"`
	F094 string `csv:"f94"`
	F095 string `csv:"f95"`
	F096 string `csv:"f96"`
	F097 string `csv:"f97"`
	F098 string `csv:"f98"`
	F099 string `csv:"f99"`
	F100 string `csv:"f100"`
	F101 string `csv:"f101"`
	F102 string `csv:"f102"`
	F103 string `csv:"f103"`
	F104 string `csv:"f104"`
	F105 string `csv:"f105"`
	F106 string `csv:"f106"`
	F107 string `csv:"f107"`
	F108 string `csv:"f108"`
	F109 string `csv:"f109"`
	F110 string `csv:"f110"`
	F111 string `csv:"f111"`
	F112 string `csv:"f112"`
	F113 string `csv:"f113"`
	F114 string `csv:"f114"`
	F115 string `csv:"f115"`
	F116 string `csv:"f116"`
	F117 string `csv:"f117"`
	F118 string `csv:"f118"`
	F119 string `csv:"f119"`
	F120 string `csv:"f120"`
	F121 string `csv:"f121"`
	F122 string `csv:"f122"`
	F123 string `csv:"f123"`
	F124 string `csv:"f124"`
	F125 string `csv:"f125"`
	F126 string `csv:"f126"`
	F127 string `csv:"f127"`
	F128 string `csv:"f128"`
	F129 string `csv:"f129"`
	F130 string `csv:"f130"`
	F131 string `csv:"f131"`
	F132 string `csv:"f132"`
	F133 string `csv:"f133"`
	F134 string `csv:"f134"`
	F135 string `csv:"f135"`
	F136 string `csv:"f136"`
	F137 string `csv:"f137"`
}
