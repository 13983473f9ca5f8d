package runner

import (
	"github.com/tokenbench/tokenbench/internal/codes"
	"github.com/tokenbench/tokenbench/internal/target"
)

// openCodes opens t's code source with depth codes ready ahead, obtained
// parallel at once by the sources that obtain codes concurrently
// (authorize, embedded); the others (a codes file, a command, ...) refuse
// codes.parallel and get their own.
func openCodes(t *target.Target, depth, parallel int, observe func(codes.Code)) (codes.Source, error) {
	if f := t.File(); f != nil {
		switch f.Codes.Source {
		case "", codes.SourceAuthorize, codes.SourceEmbedded:
		default:
			parallel = 0
		}
	}
	return t.OpenCodes(target.CodeOptions{Prefetch: depth, Parallel: parallel, OnObtained: observe})
}

// sharedCodes says whether t's codes are a finite list the shards of a
// run share (a codes file), rather than obtained afresh on each machine.
func sharedCodes(t *target.Target) bool {
	return t.File() != nil && t.File().Codes.Source == codes.SourceFile
}

// OpenCodes opens the job's code source on t: the static code when the job
// has one, else t's code source sized for the job (CodePipeline), each
// code's obtain time recorded in times. A shard of a run takes its share
// of a shared codes file and obtains its own codes otherwise; the shard's
// Codes says which.
func (j *LoadJob) OpenCodes(t *target.Target, times *CodeTimes) (codes.Source, error) {
	sh := j.Config.Shard
	if sh != nil {
		sh.Codes = ShardCodesOwn
	}
	if j.StaticCode != "" {
		return StaticCodes(j.StaticCode, t.RedirectURI), nil
	}
	observe := times.Observe
	shared := sh != nil && sharedCodes(t)
	if shared {
		sh.Codes = ShardFileCodes(*sh)
		own := *sh // the prefetcher calls observe from its own goroutines
		observe = func(c codes.Code) {
			if ShardOwns(own, c) {
				times.Observe(c)
			}
		}
	}
	depth, parallel := j.CodePipeline()
	src, err := openCodes(t, depth, parallel, observe)
	if err != nil || !shared {
		return src, err
	}
	return ShardCodes(src, *sh), nil
}

// OpenCodes opens t's code source for the search, sized for its highest
// rate (CodePipeline), each code's obtain time reported to the running
// step.
func (cfg CapacityConfig) OpenCodes(t *target.Target) (codes.Source, *StepCodeTimes, error) {
	times := &StepCodeTimes{}
	depth, parallel := cfg.CodePipeline()
	src, err := openCodes(t, depth, parallel, times.Observe)
	return src, times, err
}
