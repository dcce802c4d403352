// Command upsmigrate moves SAP Concur employee imports and legacy user API
// payloads onto the User Provisioning Service (UPS) v4.
package main

import (
	"os"

	"github.com/upsmigrate/upsmigrate/internal/cli"
)

func main() { os.Exit(cli.New(os.Stdin, os.Stdout, os.Stderr).Run(os.Args)) }
