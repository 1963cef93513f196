package filters

import "github.com/tollgate-ai/tollgate/filters/injection"

// builtinDetectors returns one instance of every built-in detector. New
// keeps those with at least one enabled kind. A new detector is one line
// here (and its kinds appear in the Validate vocabulary by themselves).
func builtinDetectors(longSpan int) []Detector {
	return []Detector{
		emailDetector{},
		phoneDetector{},
		cardDetector{},
		ibanDetector{},
		ssnDetector{},
		ipDetector{},
		personDetector{},
		newSecretDetector(builtinSecretRules(longSpan)),
		injectionDetector{injection.Default()},
	}
}

// builtinKinds lists every kind the built-in detectors report.
func builtinKinds() []string {
	var ks []string
	for _, d := range builtinDetectors(DefaultMaxSpan) {
		ks = append(ks, d.Kinds()...)
	}
	return ks
}
