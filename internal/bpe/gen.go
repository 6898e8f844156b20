//go:build ignore

// Command gen writes the vocabularies of package bpe from
// github.com/tiktoken-go/tokenizer: each token's bytes, in rank order, as
// a length (uvarint) and the bytes, deflated.
//
//	go run gen.go
package main

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"log"
	"os"

	tkcodec "github.com/tiktoken-go/tokenizer/codec"
)

func main() {
	for name, c := range map[string]*tkcodec.Codec{"o200k_base": tkcodec.NewO200kBase(), "cl100k_base": tkcodec.NewCl100kBase()} {
		var raw bytes.Buffer
		n := 0
		for id := uint(0); ; id++ {
			s, err := c.Decode([]uint{id})
			if err != nil {
				break // past the last rank
			}
			raw.Write(binary.AppendUvarint(nil, uint64(len(s))))
			raw.WriteString(s)
			n++
		}
		var out bytes.Buffer
		w, err := flate.NewWriter(&out, flate.BestCompression)
		if err != nil {
			log.Fatal(err)
		}
		w.Write(raw.Bytes())
		w.Close()
		if err := os.WriteFile(name+".vocab", out.Bytes(), 0o644); err != nil {
			log.Fatal(err)
		}
		log.Printf("%s: %d tokens, %d bytes raw, %d deflated", name, n, raw.Len(), out.Len())
	}
}
