// Command cloudauth-mock serves the mock cloudauth GetStatus API on a loopback address,
// with credentials, scenes, fixtures and faults read from a JSON file.
//
//	cloudauth-mock -config fixtures.json [-listen 127.0.0.1:0] [-url-file path]
//
// It prints the URL it serves on, logs a line per request to standard error, and runs
// until interrupted.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cloudauth-oss/terraform-provider-cloudauth/internal/mock"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cloudauth-mock:", err)
		os.Exit(1)
	}
}

func run() error {
	configPath := flag.String("config", "",
		"JSON file of credentials, scenes, fixtures and faults")
	listen := flag.String("listen", "127.0.0.1:0", "loopback address to listen on")
	urlFile := flag.String("url-file", "", "file to write the served URL to, once listening")
	flag.Parse()

	if *configPath == "" {
		return fmt.Errorf("-config is required")
	}

	raw, err := os.ReadFile(*configPath)
	if err != nil {
		return err
	}

	var cfg mock.Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return fmt.Errorf("%s: %w", *configPath, err)
	}

	// Catch signals before announcing the URL, so a caller that stops the mock as soon as
	// it reads the URL gets a clean shutdown rather than the default abrupt exit.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)

	server, err := mock.NewOn(*listen, cfg, mock.WithLog(os.Stderr))
	if err != nil {
		return err
	}
	defer server.Close()

	if *urlFile != "" {
		if err := writeFileAtomic(*urlFile, []byte(server.URL+"\n")); err != nil {
			return err
		}
	}
	fmt.Println(server.URL)

	<-stop

	return nil
}

// writeFileAtomic writes data to a temporary file beside path and renames it into place,
// so a caller polling for path never reads it empty or half written.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}

	return os.Rename(tmp, path)
}
