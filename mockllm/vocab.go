package mockllm

// vocab is the word list completions are made of. Every word, with and without its leading space, is exactly one
// token in both cl100k_base and o200k_base (vocab_test.go checks it), so a completion of N words is N tokens and
// the reported completion_tokens is exact for any OpenAI tokenizer the gateway may use. The list is neutral on
// purpose: no gendered, violent or security-sounding words that could trip the gateway's output filters or skew
// bias probes. Its length is a power of two so one random byte picks a word.
var vocab = [256]string{
	" the", " of", " and", " to", " in", " is", " that", " for", " it", " as", " was", " with", " be", " by",
	" on", " not", " this", " are", " or", " from", " at", " which", " but", " have", " an", " were", " there",
	" one", " all", " can", " has", " been", " if", " more", " when", " will", " would", " who", " so", " no",
	" out", " up", " into", " do", " any", " time", " about", " than", " then", " its", " only", " new", " some",
	" could", " these", " may", " first", " like", " now", " over", " other", " such", " even", " most", " after",
	" also", " made", " many", " before", " must", " well", " back", " through", " years", " much", " where",
	" way", " down", " should", " because", " each", " just", " those", " people", " how", " too", " little",
	" state", " good", " very", " make", " world", " still", " see", " own", " work", " long", " here", " get",
	" both", " between", " life", " being", " under", " never", " day", " same", " another", " know", " while",
	" last", " might", " great", " old", " year", " off", " come", " since", " against", " go", " came", " right",
	" used", " take", " three", " small", " large", " number", " part", " place", " case", " point", " group",
	" problem", " fact", " hand", " high", " school", " country", " water", " room", " area", " money", " story",
	" month", " study", " book", " eye", " job", " word", " business", " issue", " side", " kind", " head",
	" house", " service", " friend", " power", " hour", " game", " line", " end", " member", " car", " city",
	" community", " name", " team", " minute", " idea", " body", " information", " parent", " face", " others",
	" level", " office", " door", " health", " person", " art", " history", " result", " change", " reason",
	" research", " moment", " air", " teacher", " education", " cat", " dog", " model", " data", " program",
	" question", " company", " during", " play", " run", " move", " live", " hold", " bring", " write",
	" provide", " sit", " stand", " pay", " meet", " include", " continue", " set", " learn", " lead", " watch",
	" follow", " stop", " create", " read", " allow", " add", " grow", " open", " walk", " win", " offer",
	" remember", " love", " consider", " appear", " buy", " wait", " serve", " send", " expect", " build",
	" stay", " fall", " cut", " reach", " remain", " suggest", " raise", " pass", " sell", " require", " report",
	" pull", " green", " blue", " red", " light", " short", " simple",
}
