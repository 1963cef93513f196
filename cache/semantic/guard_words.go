package semantic

// Word lists of Guard. Small on purpose: each entry is a word whose change flips an answer.

// numberWords map spelt-out numbers to digits, so "two" and "2" agree.
var numberWords = map[string]string{
	"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
	"eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14",
	"fifteen": "15", "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19", "twenty": "20",
	"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80", "ninety": "90",
	"hundred": "100", "thousand": "1000", "million": "1000000", "billion": "1000000000", "dozen": "12",
	"first": "1", "second": "2", "third": "3", "fourth": "4", "fifth": "5", "half": "0.5", "twice": "2x",
	"double": "2x", "triple": "3x",
}

// negations count towards Guard's negation total; contractions appear without their apostrophe.
var negations = map[string]bool{
	"not": true, "no": true, "never": true, "none": true, "nobody": true, "nothing": true, "neither": true,
	"nor": true, "nowhere": true, "without": true, "cannot": true, "cant": true, "dont": true, "doesnt": true,
	"didnt": true, "isnt": true, "arent": true, "wasnt": true, "werent": true, "wont": true, "wouldnt": true,
	"shouldnt": true, "couldnt": true, "hasnt": true, "havent": true, "hadnt": true, "aint": true,
	"mustnt": true, "neednt": true, "mightnt": true, "shant": true, "except": true, "unless": true,
	// opposites formed with a prefix, frequent in yes/no questions ("is it unsafe")
	"unsafe": true, "unable": true, "unhealthy": true, "unlikely": true, "illegal": true, "impossible": true,
	"incorrect": true, "invalid": true, "unavailable": true, "unsupported": true, "insecure": true,
	"unnecessary": true, "inappropriate": true, "unstable": true, "unreliable": true,
}

// notNames are capitalised words that name nothing.
var notNames = map[string]bool{"i": true, "ok": true, "okay": true, "im": true, "ive": true, "id": true, "ill": true}

// numberOnlyUnits count only next to a number: alone, "what year", "a second" or "World Cup" name no quantity.
var numberOnlyUnits = map[string]bool{"ms": true, "s": true, "min": true, "h": true, "day": true, "week": true,
	"month": true, "year": true, "cup": true, "tbsp": true, "tsp": true, "degree": true, "percent": true}

// unitWords map units (singular, plural, abbreviated) to one spelling, so "km" and "kilometres" agree and "km"
// and "miles" do not.
var unitWords = map[string]string{}

func init() {
	for canonical, spellings := range map[string][]string{
		"mm": {"millimeter", "millimeters", "millimetre", "millimetres"}, "cm": {"centimeter", "centimeters", "centimetre", "centimetres"},
		"m": {"meter", "meters", "metre", "metres"}, "km": {"kilometer", "kilometers", "kilometre", "kilometres", "kms"},
		"in": {"inch", "inches"}, "ft": {"foot", "feet"}, "yd": {"yard", "yards"}, "mi": {"mile", "miles"},
		"mg": {"milligram", "milligrams"}, "g": {"gram", "grams"}, "kg": {"kilogram", "kilograms", "kilo", "kilos", "kgs"},
		"lb": {"pound", "pounds", "lbs"}, "oz": {"ounce", "ounces"}, "t": {"ton", "tons", "tonne", "tonnes"},
		"ml": {"milliliter", "milliliters", "millilitre", "millilitres"}, "l": {"liter", "liters", "litre", "litres"},
		"gal": {"gallon", "gallons"}, "cup": {"cups"}, "tbsp": {"tablespoon", "tablespoons"}, "tsp": {"teaspoon", "teaspoons"},
		"ms": {"millisecond", "milliseconds"}, "s": {"sec", "secs", "second", "seconds"}, "min": {"mins", "minute", "minutes"},
		"h": {"hr", "hrs", "hour", "hours"}, "day": {"days"}, "week": {"weeks"}, "month": {"months"}, "year": {"years", "yr", "yrs"},
		"c": {"celsius", "centigrade"}, "f": {"fahrenheit"}, "kelvin": {"kelvins"},
		"b": {"byte", "bytes"}, "kb": {"kilobyte", "kilobytes"}, "mb": {"megabyte", "megabytes"}, "gb": {"gigabyte", "gigabytes"},
		"tb": {"terabyte", "terabytes"}, "mph": {}, "kmh": {"kph"}, "w": {"watt", "watts"}, "kw": {"kilowatt", "kilowatts"},
		"kwh": {}, "v": {"volt", "volts"}, "hz": {"hertz"}, "ghz": {"gigahertz"}, "mhz": {"megahertz"},
		"usd": {"dollar", "dollars"}, "eur": {"euro", "euros"}, "gbp": {"sterling"}, "jpy": {"yen"},
		"percent": {"percentage", "pct"}, "degree": {"degrees"},
	} {
		unitWords[canonical] = canonical
		for _, s := range spellings {
			unitWords[s] = canonical
		}
	}
	// One-letter and preposition-like abbreviations are words far more often than units ("in", "m", "a"): only
	// their long spellings count.
	for _, ambiguous := range []string{"in", "m", "s", "t", "c", "f", "b", "v", "w", "g", "h", "l", "min", "day"} {
		delete(unitWords, ambiguous)
	}
}

// openers are common first words of a sentence: capitalised there without being names.
var openers = map[string]bool{}

func init() {
	for _, w := range []string{
		"what", "whats", "which", "who", "whom", "whose", "when", "where", "why", "how", "hows", "is", "are", "was",
		"were", "am", "be", "do", "does", "did", "can", "could", "should", "would", "will", "shall", "may", "might",
		"must", "have", "has", "had", "the", "a", "an", "please", "pls", "tell", "give", "list", "explain",
		"describe", "write", "show", "find", "i", "im", "ive", "id", "my", "me", "we", "our", "us", "you", "your",
		"it", "its", "this", "that", "these", "those", "there", "theres", "here", "in", "on", "at", "for", "from",
		"to", "of", "and", "but", "or", "if", "so", "then", "also", "let", "lets", "make", "create", "help",
		"convert", "calculate", "compute", "translate", "summarize", "summarise", "define", "compare", "name",
		"any", "some", "all", "every", "each", "yes", "hi", "hello", "hey", "thanks", "thank", "ok", "okay", "now",
		"again", "just", "being", "been", "suggest", "recommend", "generate", "provide", "say", "is", "by", "with",
		"about", "as", "into", "after", "before", "during", "between", "over", "under", "quick", "question",
		"could", "would", "kindly", "briefly", "simply", "in", "using", "use", "get", "set", "go", "see", "look",
		"check", "fix", "add", "remove", "delete", "update", "change", "turn", "put", "take", "keep", "need",
		"want", "know", "think", "guess", "assume", "imagine", "consider", "suppose", "assuming", "given", "if",
		"whether", "approximately", "roughly", "about", "exactly", "many", "much", "more", "most", "less", "least",
		"best", "good", "bad", "new", "old", "first", "last", "next", "other", "another", "same", "such",
		// imperative verbs a request often starts with
		"multiply", "divide", "subtract", "sum", "count", "compose", "draft", "rewrite", "rephrase", "correct",
		"proofread", "edit", "plan", "design", "build", "implement", "debug", "optimize", "optimise", "refactor",
		"outline", "analyze", "analyse", "classify", "extract", "identify", "estimate", "predict", "propose",
		"brainstorm", "answer", "solve", "prove", "simplify", "expand", "shorten", "format", "sort", "filter",
		"search", "read", "run", "test", "draw", "sketch", "play", "book", "order", "buy", "sell", "send", "call",
		"remind", "schedule", "cancel", "open", "close", "print", "save", "install", "configure", "deploy",
		"produce", "prepare", "cook", "bake", "teach", "learn", "study", "review", "rate", "rank", "choose",
		"pick", "select", "decide", "evaluate", "assess", "start", "stop", "preheat", "boil", "set", "list",
		"recommend", "continue", "finish", "complete", "fill", "try", "tell", "share", "return", "reply",
		"respond", "clarify", "elaborate", "detail", "why", "whats", "wheres", "whos", "hows", "whens",
	} {
		openers[w] = true
	}
}
