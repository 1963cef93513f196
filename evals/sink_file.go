package evals

import (
	"gopkg.in/natefinch/lumberjack.v2"
)

// FileSink writes JSONL to a file rotated at a size cap, keeping a number
// of older files beside it (name-<time>.jsonl): ReadSamples reads the
// directory back in order.
type FileSink struct {
	lj  *lumberjack.Logger
	buf []byte
}

// NewFileSink opens (creating its directory) path, rotated at maxSizeMB,
// keeping maxBackups old files.
func NewFileSink(path string, maxSizeMB, maxBackups int) *FileSink {
	return &FileSink{lj: &lumberjack.Logger{Filename: path, MaxSize: maxSizeMB, MaxBackups: maxBackups}}
}

// Write appends the lines in one write (so rotation never splits a line).
func (f *FileSink) Write(lines [][]byte) error {
	f.buf = f.buf[:0]
	for _, l := range lines {
		f.buf = append(append(f.buf, l...), '\n')
	}
	_, err := f.lj.Write(f.buf)
	if cap(f.buf) > 1<<22 {
		f.buf = nil
	}
	return err
}

// Close closes the current file.
func (f *FileSink) Close() error { return f.lj.Close() }
