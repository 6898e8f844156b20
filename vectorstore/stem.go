package vectorstore

// stem applies the Porter (1980) stemming algorithm to a lowercase ASCII
// word, as SQLite FTS5's "porter" tokenizer and most search engines' English
// analysers do; other words are returned unchanged.
func stem(w string) string {
	if len(w) <= 2 {
		return w
	}
	for i := 0; i < len(w); i++ {
		if w[i] < 'a' || w[i] > 'z' {
			return w
		}
	}
	p := porter{b: []byte(w), k: len(w) - 1}
	p.step1ab()
	if p.k > 0 {
		p.step1c()
		p.step2()
		p.step3()
		p.step4()
		p.step5()
	}
	return string(p.b[:p.k+1])
}

// porter holds a word being stemmed: b[0..k] is the current word and j marks
// the end of the stem after a successful ends.
type porter struct {
	b    []byte
	k, j int
}

// cons reports whether b[i] is a consonant.
func (p *porter) cons(i int) bool {
	switch p.b[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		return i == 0 || !p.cons(i-1)
	}
	return true
}

// m measures the number of consonant-vowel sequences in b[0..j].
func (p *porter) m() int {
	n, i := 0, 0
	for {
		if i > p.j {
			return n
		}
		if !p.cons(i) {
			break
		}
		i++
	}
	i++
	for {
		for {
			if i > p.j {
				return n
			}
			if p.cons(i) {
				break
			}
			i++
		}
		i++
		n++
		for {
			if i > p.j {
				return n
			}
			if !p.cons(i) {
				break
			}
			i++
		}
		i++
	}
}

// vowelInStem reports whether b[0..j] has a vowel.
func (p *porter) vowelInStem() bool {
	for i := 0; i <= p.j; i++ {
		if !p.cons(i) {
			return true
		}
	}
	return false
}

// doublec reports whether b[i-1..i] is a double consonant.
func (p *porter) doublec(i int) bool {
	return i >= 1 && p.b[i] == p.b[i-1] && p.cons(i)
}

// cvc reports whether b[i-2..i] is consonant-vowel-consonant with the last
// not w, x or y (as in hop, not snow or box).
func (p *porter) cvc(i int) bool {
	if i < 2 || !p.cons(i) || p.cons(i-1) || !p.cons(i-2) {
		return false
	}
	switch p.b[i] {
	case 'w', 'x', 'y':
		return false
	}
	return true
}

// ends reports whether b[0..k] ends with s, setting j before it.
func (p *porter) ends(s string) bool {
	n := len(s)
	if n > p.k+1 || string(p.b[p.k-n+1:p.k+1]) != s {
		return false
	}
	p.j = p.k - n
	return true
}

// setto replaces b[j+1..k] with s.
func (p *porter) setto(s string) {
	p.b = append(p.b[:p.j+1], s...)
	p.k = p.j + len(s)
}

func (p *porter) r(s string) {
	if p.m() > 0 {
		p.setto(s)
	}
}

func (p *porter) step1ab() {
	if p.b[p.k] == 's' {
		switch {
		case p.ends("sses"):
			p.k -= 2
		case p.ends("ies"):
			p.setto("i")
		case p.b[p.k-1] != 's':
			p.k--
		}
	}
	if p.ends("eed") {
		if p.m() > 0 {
			p.k--
		}
		return
	}
	if (p.ends("ed") || p.ends("ing")) && p.vowelInStem() {
		p.k = p.j
		switch {
		case p.ends("at"):
			p.setto("ate")
		case p.ends("bl"):
			p.setto("ble")
		case p.ends("iz"):
			p.setto("ize")
		case p.doublec(p.k):
			p.k--
			switch p.b[p.k] {
			case 'l', 's', 'z':
				p.k++
			}
		default:
			p.j = p.k
			if p.m() == 1 && p.cvc(p.k) {
				p.setto("e")
			}
		}
	}
}

func (p *porter) step1c() {
	if p.ends("y") && p.vowelInStem() {
		p.b[p.k] = 'i'
	}
}

// rules tries each (suffix, replacement) pair in order; the first suffix
// that matches ends the step, replaced if the stem's measure is > 0.
func (p *porter) rules(pairs ...string) {
	for i := 0; i < len(pairs); i += 2 {
		if p.ends(pairs[i]) {
			p.r(pairs[i+1])
			return
		}
	}
}

func (p *porter) step2() {
	if p.k < 1 {
		return
	}
	switch p.b[p.k-1] {
	case 'a':
		p.rules("ational", "ate", "tional", "tion")
	case 'c':
		p.rules("enci", "ence", "anci", "ance")
	case 'e':
		p.rules("izer", "ize")
	case 'l':
		p.rules("bli", "ble", "alli", "al", "entli", "ent", "eli", "e", "ousli", "ous")
	case 'o':
		p.rules("ization", "ize", "ation", "ate", "ator", "ate")
	case 's':
		p.rules("alism", "al", "iveness", "ive", "fulness", "ful", "ousness", "ous")
	case 't':
		p.rules("aliti", "al", "iviti", "ive", "biliti", "ble")
	case 'g':
		p.rules("logi", "log")
	}
}

func (p *porter) step3() {
	switch p.b[p.k] {
	case 'e':
		p.rules("icate", "ic", "ative", "", "alize", "al")
	case 'i':
		p.rules("iciti", "ic")
	case 'l':
		p.rules("ical", "ic", "ful", "")
	case 's':
		p.rules("ness", "")
	}
}

func (p *porter) step4() {
	if p.k < 1 {
		return
	}
	var suffixes []string
	switch p.b[p.k-1] {
	case 'a':
		suffixes = []string{"al"}
	case 'c':
		suffixes = []string{"ance", "ence"}
	case 'e':
		suffixes = []string{"er"}
	case 'i':
		suffixes = []string{"ic"}
	case 'l':
		suffixes = []string{"able", "ible"}
	case 'n':
		suffixes = []string{"ant", "ement", "ment", "ent"}
	case 'o':
		if p.ends("ion") && p.j >= 0 && (p.b[p.j] == 's' || p.b[p.j] == 't') {
			break
		}
		suffixes = []string{"ou"}
	case 's':
		suffixes = []string{"ism"}
	case 't':
		suffixes = []string{"ate", "iti"}
	case 'u':
		suffixes = []string{"ous"}
	case 'v':
		suffixes = []string{"ive"}
	case 'z':
		suffixes = []string{"ize"}
	default:
		return
	}
	if suffixes != nil {
		matched := false
		for _, s := range suffixes {
			if p.ends(s) {
				matched = true
				break
			}
		}
		if !matched {
			return
		}
	}
	if p.m() > 1 {
		p.k = p.j
	}
}

func (p *porter) step5() {
	p.j = p.k
	if p.b[p.k] == 'e' {
		a := p.m()
		if a > 1 || a == 1 && !p.cvc(p.k-1) {
			p.k--
		}
	}
	if p.b[p.k] == 'l' && p.doublec(p.k) {
		p.j = p.k
		if p.m() > 1 {
			p.k--
		}
	}
}
