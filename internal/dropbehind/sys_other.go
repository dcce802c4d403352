//go:build !linux

package dropbehind

import "os"

const supported = false

func dupFD(*os.File) (int, bool)       { return 0, false }
func closeFD(int)                      {}
func drop(int, int64, int64) error     { return nil }
func startWriteBack(int, int64, int64) {}
func dropWritten(int, int64, int64)    {}

func dropClean(*os.File) {}
