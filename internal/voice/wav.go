package voice

import (
	"encoding/binary"
	"errors"
)

// FixWAV checks that b is a RIFF/WAVE file with a data chunk and rewrites the
// RIFF and data sizes from the real length. Streaming writers (espeak-ng
// --stdout) leave placeholders there that some players reject.
func FixWAV(b []byte) ([]byte, error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return nil, errors.New("audio is not RIFF/WAVE")
	}
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := binary.LittleEndian.Uint32(b[off+4 : off+8])
		if id == "data" {
			n := len(b) - (off + 8)
			if n == 0 {
				return nil, errors.New("WAVE data chunk is empty")
			}
			binary.LittleEndian.PutUint32(b[off+4:off+8], uint32(n))
			binary.LittleEndian.PutUint32(b[4:8], uint32(len(b)-8))
			return b, nil
		}
		next := off + 8 + int(size) + int(size&1)
		if next <= off || next > len(b) {
			break
		}
		off = next
	}
	return nil, errors.New("WAVE has no data chunk")
}
