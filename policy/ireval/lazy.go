package ireval

import "github.com/open-policy-agent/opa/v1/ast"

// LazyDoc is a host document (the gateway's request input) read key by key.
type LazyDoc interface {
	// Get returns the value under key, or nil when it is undefined. The value
	// may itself be a *LazyObject.
	Get(key string) *ast.Term
	// Full builds the whole document as ordinary ast values.
	Full() ast.Value
}

// LazyObject lets a plan look into a document without building it: a DotStmt
// asks Doc for one key, so a decision builds the handful of fields its rules
// read. Any other use (compare, scan, builtin argument, result) builds the
// whole object first, once, so the rest of the interpreter and every builtin
// only ever see ordinary values.
type LazyObject struct {
	Doc  LazyDoc
	full *ast.Term
}

// NewLazy wraps doc in a term for Eval's input.
func NewLazy(doc LazyDoc) *ast.Term { return ast.NewTerm(&LazyObject{Doc: doc}) }

// Get is the value under key, nil when it is undefined (or key is not a string).
func (o *LazyObject) Get(key *ast.Term) *ast.Term { return o.get(key) }

// Reset points o at doc and forgets its materialised object (for pooling).
func (o *LazyObject) Reset(doc LazyDoc) { o.Doc, o.full = doc, nil }

// Term returns the materialised object.
func (o *LazyObject) Term() *ast.Term {
	if o.full == nil {
		o.full = ast.NewTerm(o.Doc.Full())
	}
	return o.full
}

// The ast.Value methods answer for the materialised object; the interpreter
// never lets a LazyObject reach code that would call them, but a value must
// behave if one does.

func (o *LazyObject) Compare(other ast.Value) int          { return o.Term().Value.Compare(other) }
func (o *LazyObject) Find(path ast.Ref) (ast.Value, error) { return o.Term().Value.Find(path) }
func (o *LazyObject) Hash() int                            { return o.Term().Value.Hash() }
func (o *LazyObject) IsGround() bool                       { return true }
func (o *LazyObject) String() string                       { return o.Term().Value.String() }
func (o *LazyObject) StringLength() int                    { return o.Term().Value.StringLength() }
func (o *LazyObject) get(key *ast.Term) *ast.Term {
	s, ok := key.Value.(ast.String)
	if !ok {
		return nil // the documents wrapped are objects with string keys
	}
	return o.Doc.Get(string(s))
}

// Concrete returns t, or for a LazyObject its materialised object.
func Concrete(t *ast.Term) *ast.Term { return concrete(t) }

// concrete replaces a lazy term by its materialised object. A SmallSet
// becomes an ast.Set (a SmallObject an ast.Object) in place: the term is the local's own (MakeSet's), so
// every alias sees the ordinary set from then on.
func concrete(t *ast.Term) *ast.Term {
	if t != nil {
		switch o := t.Value.(type) {
		case *LazyObject:
			return o.Term()
		case *SmallSet:
			t.Value = o.materialise()
		case *SmallObject:
			t.Value = o.materialise()
		}
	}
	return t
}
