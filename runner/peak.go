package runner

// PeakRate is the highest arrival rate anywhere in the plan (0 for a closed
// model's plan).
func (p Plan) PeakRate() float64 {
	peak := 0.0
	for _, s := range p.Stages {
		peak = max(peak, s.From, s.To)
	}
	return peak
}
