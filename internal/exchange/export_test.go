package exchange

// SlowReads is how many responses f read with net/http's parser.
func SlowReads(f *FastClient) int64 { return f.slow.Load() }
