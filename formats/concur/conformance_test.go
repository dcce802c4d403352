package concur

import (
	"strings"
	"testing"

	"github.com/upsmigrate/upsmigrate/formats/formattest"
)

func TestConformance(t *testing.T) {
	row305 := "305,Dana,,Whitfield,E1001,dana@northwind.example,,dana@northwind.example,en_US,US,US-WA,NWR-US,USD,,Y,\"Sales, EMEA\"\n"
	formattest.Run(t, formattest.Harness{
		New: formattest.Open(NewReader),
		Cases: []formattest.Case{
			{
				Name: "settings, employees, travel with a two-line remark, roles",
				Input: s100 + row305 +
					"350,E1001,Ms.,,,,F,1971-04-18,,CEO,,,,,,,\"Window seat;\nvegetarian\",Standard\n" +
					"400,E1001,EXP_APPROVER\n500,E1001,E1002,EXP,Y,Y,N,N,,,Y\n",
				Lines: []int{1, 2, 3, 5, 6},
				Types: []string{"100", "305", "350", "400", "500"},
			},
			{
				Name:  "BOM, CRLF, blank lines, no settings record",
				Input: "\ufeff" + strings.ReplaceAll(row305+"\n320,E1001,E2001\n,,,\n370,E2001,Y,N\n", "\n", "\r\n"),
				Lines: []int{1, 3, 5},
				Types: []string{"305", "320", "370"},
			},
			{
				Name: "bad records are reported and skipped",
				Input: s100 + "999,E1\n" + row305 + "400," + fields(13, "x") + "\n" +
					"305,Ann,\x00,Lee\n310,E1,J\xf6rg\n305,An\"n\n550,E1,E2,EXP\n100,0,SSO,MERGE\n",
				Lines:    []int{1, 3, 8},
				Types:    []string{"100", "305", "550"},
				BadLines: []int{2, 4, 5, 6, 7, 9},
			},
			{
				Name:     "unterminated quote: the lines after it are read again",
				Input:    s100 + "305,\"Dana,Whitfield\n" + row305 + "400,E1001,EXP_APPROVER\n",
				Lines:    []int{1, 3, 4},
				BadLines: []int{2},
			},
			{
				Name:  "binary file",
				Input: "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb4\x12\x00\x00\x00\x00\x00\x00\x00\x00\x13\x00\x08\x02",
				Fatal: true,
			},
		},
		EmptyIsError: true,
		Value: func(v string) formattest.ValueInput {
			return formattest.ValueInput{
				Input: "305,Dana,,Whitfield,E1001,,,,,,,,,,Y," + v + ",x\n400,E1001,EXP_APPROVER\n",
				Field: "16", Lines: [2]int{1, 2}, ErrLine: 1,
			}
		},
		ControlKind: ErrControl,
	})
}
