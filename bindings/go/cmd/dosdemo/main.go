// Command dosdemo sends each request line from stdin through libdos's
// envelope and prints each response, one per line.
package main

import (
	"bufio"
	"fmt"
	"os"

	dos "github.com/libdos/libdos/bindings/go"
)

func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		if len(sc.Bytes()) == 0 {
			continue
		}
		resp, err := dos.CallRaw(sc.Bytes())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(string(resp))
	}
}
