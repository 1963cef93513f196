package filters

// Number clusters gate the numeric detectors. A phone number, card number,
// SSN or IPv4 address is digit groups joined by short separators: at most
// four bytes of ' ', '-', '.', '(' and ')' between two groups (the widest
// is a phone's ")- (" before a parenthesised group). So each lies inside
// one cluster of digit runs joined that way, and needs the cluster to hold
// at least its own minimum of digits: 7 for a phone, 9 for an SSN, 12 for
// a card, 4 for an IPv4 address. Number-heavy prose ("16 - 3 - 4 = 9",
// "$2 per egg") is made of small clusters, so most runs are never read by
// those detectors. TestGatedRunsFindTheSame holds the gate to the ungated
// detectors.

// maxClusterGap is the widest separator between two digit groups of one
// finding.
const maxClusterGap = 4

// clusterDigits returns, for each run in runs (starts of maximal digit
// runs in b, in order), the number of digits in its cluster, appended to
// out.
func clusterDigits(b []byte, runs []int32, out []int32) []int32 {
	out = out[:0]
	for _, r := range runs {
		e := int(r)
		for e < len(b) && isDigit(b[e]) {
			e++
		}
		out = append(out, int32(e)-r)
	}
	for k := 0; k < len(runs); {
		j, sum := k, out[k]
		for j+1 < len(runs) && joinsGroups(b[runs[j]+out[j]:runs[j+1]]) {
			j++
			sum += out[j]
		}
		for q := k; q <= j; q++ {
			out[q] = sum
		}
		k = j + 1
	}
	return out
}

// joinsGroups reports whether gap (the bytes between two digit runs) can
// separate two groups of one number.
func joinsGroups(gap []byte) bool {
	if len(gap) > maxClusterGap {
		return false
	}
	for _, c := range gap {
		if c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' {
			return false
		}
	}
	return true
}

// gateRuns appends to out the runs whose cluster holds at least min digits.
func gateRuns(runs, clusters []int32, min int32, out []int32) []int32 {
	out = out[:0]
	for k, r := range runs {
		if clusters[k] >= min {
			out = append(out, r)
		}
	}
	return out
}
