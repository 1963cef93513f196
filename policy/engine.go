package policy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/tollgate-ai/tollgate/policy/ireval"
)

// Options configures an Engine.
type Options struct {
	Dir          string        // directory of .rego + data.json/data.yaml, or a bundle .tar.gz
	OnError      string        // "deny" (default) | "allow": the decision when evaluation fails
	Timeout      time.Duration // per evaluation; default 50ms
	PollInterval time.Duration // reload polling; 0 = 1s, < 0 disables the watcher
	DecisionLog  DecisionLogOptions
	Logger       *slog.Logger // nil = slog.Default()
	// SkipTests serves a revision without running its _test.rego files
	// (the CLI's eval; the gateway should leave it false).
	SkipTests bool
	// Evaluator is EvaluatorCompiled (the default) or EvaluatorOPA.
	Evaluator string
}

// Status is the engine's state for /v1/health/policy.
type Status struct {
	Revision      string    `json:"revision"` // content hash of the serving sources
	LoadedAt      time.Time `json:"loaded_at"`
	LastError     string    `json:"last_error,omitempty"` // of the last failed reload or poll
	LastErrorAt   time.Time `json:"last_error_at,omitzero"`
	ReloadsOK     uint64    `json:"reloads_ok"`
	ReloadsFailed uint64    `json:"reloads_failed"`
	Evaluator     string    `json:"evaluator"`                // "compiled" or "opa": what evaluates this revision
	EvaluatorNote string    `json:"evaluator_note,omitempty"` // why "opa" serves when "compiled" was asked for
}

// Engine evaluates data.tollgate.decision. Safe for concurrent use.
type Engine struct {
	opts    Options
	log     *slog.Logger
	rev     atomic.Pointer[revision]
	dlog    *decisionLog
	denyErr bool

	reloadMu      sync.Mutex // serialises Reload (watcher and SIGHUP)
	statusMu      sync.Mutex
	lastErr       string
	lastErrAt     time.Time
	reloadsOK     atomic.Uint64
	reloadsKO     atomic.Uint64
	lastWarn      atomic.Int64 // unix nanos of the last logged eval error (rate limit)
	lastCrashWarn atomic.Int64

	stop      chan struct{}
	watchDone sync.WaitGroup
	closeOnce sync.Once
}

// Open loads, tests and prepares the policy; the first load must succeed.
func Open(opts Options) (*Engine, error) {
	if opts.Dir == "" {
		return nil, errors.New("policy: Options.Dir is empty (leave policy unconfigured to skip Decide instead)")
	}
	switch opts.OnError {
	case "":
		opts.OnError = "deny"
	case "deny", "allow":
	default:
		return nil, fmt.Errorf("policy: on_error %q: want deny or allow", opts.OnError)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("policy: timeout %v is negative", opts.Timeout)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 50 * time.Millisecond
	}
	if opts.PollInterval == 0 {
		opts.PollInterval = time.Second
	}
	switch opts.Evaluator {
	case "":
		opts.Evaluator = EvaluatorCompiled
	case EvaluatorCompiled, EvaluatorOPA:
	default:
		return nil, fmt.Errorf("policy: evaluator %q: want compiled or opa", opts.Evaluator)
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Engine{opts: opts, log: opts.Logger, denyErr: opts.OnError == "deny", stop: make(chan struct{})}
	st, err := stamps(opts.Dir)
	if err != nil {
		return nil, err
	}
	src, err := readSources(opts.Dir)
	if err != nil {
		return nil, err
	}
	rev, err := buildRevision(context.Background(), src, !opts.SkipTests, opts.Evaluator)
	if err != nil {
		return nil, err
	}
	e.rev.Store(rev)
	if e.dlog, err = newDecisionLog(opts.DecisionLog, e.log); err != nil {
		return nil, err
	}
	e.log.Info("policy loaded", "dir", opts.Dir, "revision", rev.id, "evaluator", rev.evaluator)
	e.noteEvaluator(rev)
	if opts.PollInterval > 0 {
		e.watchDone.Add(1)
		go e.watch(st)
	}
	return e, nil
}

// Decide evaluates the serving revision for in. It never fails: an
// evaluation error or timeout becomes OnError's decision with Err set, and is
// counted and logged. A caller that fills only the parts the policy reads
// uses Serving instead, so the revision that decides is the one it asked.
// In the response phase (in.Phase "response") only allow, reasons and
// redact are decided: the other fields are zero (CacheTTLSeconds -1).
func (e *Engine) Decide(ctx context.Context, in *Input) Decision {
	return e.decide(ctx, e.rev.Load(), in)
}

func (e *Engine) decide(ctx context.Context, rev *revision, in *Input) Decision {
	start := time.Now()
	// A response-phase decision may be remembered, unless the decision log
	// must see a real evaluation.
	memo := rev.respMemo
	if in.Phase != "response" || e.dlog != nil {
		memo = nil
	}
	if memo != nil {
		if d, ok := memo.get(in); ok {
			e.count(d, time.Since(start))
			d.Revision = rev.id
			return d
		}
	}
	// The decision log shows the whole input; otherwise only what the policy
	// reads is built: the compiled evaluator looks fields up one by one.
	var (
		input     ast.Value
		inputTerm *ast.Term
		lazy      *lazyInput
	)
	switch {
	case e.dlog != nil:
		input = rev.terms.inputValue(in)
	case rev.prog != nil:
		lazy = acquireLazyInput(rev.terms, in)
		inputTerm = lazy.root()
	default:
		input = rev.terms.evalInput(in)
	}
	if inputTerm == nil {
		inputTerm = ast.NewTerm(input)
	}
	// The response phase runs its smaller program (only the fields it acts
	// on) unless the decision log records the whole decision.
	result, compiled, err := e.eval(ctx, rev, inputTerm, in.Phase == "response" && e.dlog == nil)
	var d Decision
	if err == nil {
		err = parseDecision(result, &d)
		if in.Phase == "response" {
			d = d.responseFields()
		}
	}
	if memo != nil && err == nil && compiled.Value != nil {
		memo.put(in, lazy.reads(), d) // the compiled program decided, reading what lazy recorded
	}
	if compiled.Value != nil {
		if e.dlog != nil && err == nil {
			result = result.(ast.Object).Copy() // the log outlives the pooled result
		} else {
			result = nil
		}
		compiled.Release() // parseDecision copied what it keeps
	}
	if lazy != nil {
		releaseLazyInput(lazy)
	}
	took := time.Since(start)
	if err != nil {
		evalSeconds.Update(took.Seconds())
		d = e.errorDecision(err)
		result = nil
	} else {
		e.count(d, took)
	}
	d.Revision = rev.id
	if e.dlog != nil {
		le := logEntry{at: start, revision: rev.id, input: input, result: result, evalNs: took.Nanoseconds()}
		if err != nil {
			le.err = err.Error()
		}
		e.dlog.add(le)
	}
	return d
}

// count records a decision made in took (evaluated or remembered).
func (e *Engine) count(d Decision, took time.Duration) {
	evalSeconds.Update(took.Seconds())
	if d.Allow {
		decisionsAllow.Inc()
	} else {
		decisionsDeny.Inc()
		if len(d.Reasons) > 0 {
			denials.inc(d.Reasons[0].Code)
		}
	}
}

// eval evaluates under the engine timeout and ctx, with the compiled
// evaluator when the revision has one. The compiled result lives in pooled
// memory: the caller reads it, then releases the returned ireval.Result.
func (e *Engine) eval(ctx context.Context, rev *revision, input *ast.Term, responsePhase bool) (ast.Value, ireval.Result, error) {
	if rev.prog != nil {
		prog := rev.prog
		if responsePhase && rev.responseProg != nil {
			prog = rev.responseProg
		}
		v, res, crashed, err := e.evalCompiled(ctx, rev, prog, input)
		switch {
		case crashed == nil && err == nil:
			return v, res, nil
		case crashed != nil:
			// A bug of the interpreter, not of the policy: topdown answers
			// this request, and the crash is counted and logged for a report.
			compiledCrashes.Inc()
			e.warnOnce(&e.lastCrashWarn, "compiled policy evaluator crashed; OPA's evaluator answered this request",
				"revision", rev.id, "panic", crashed)
		case isConflict(err):
			// Topdown's rule index can skip a body before it reaches a
			// conflicting rule the plan evaluates in order (and an `every`
			// stops at its first failure), so a conflict is the one answer
			// on which they can differ: topdown's is the reference.
			compiledConflicts.Inc()
		default:
			return v, res, err
		}
		input = ireval.Concrete(input)
	}
	v, err := e.evalTopdown(ctx, rev, input)
	return v, ireval.Result{}, err
}

// isConflict reports an ireval.ConflictError (a function, so the error
// path's target variable does not escape on every decision).
func isConflict(err error) bool {
	var conflict *ireval.ConflictError
	return errors.As(err, &conflict)
}

// evalCompiled runs the revision's plan; crashed is the value of a panic.
func (e *Engine) evalCompiled(ctx context.Context, rev *revision, prog *ireval.Program, input *ast.Term) (_ ast.Value, _ ireval.Result, crashed any, err error) {
	c := acquireCanceler(e.opts.Timeout)
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, c.Cancel)
	}
	defer func() {
		if p := recover(); p != nil {
			crashed = p
			if stop != nil {
				stop()
			}
		}
	}()
	eval := prog.EvalLazy // the decision's fields read where they are (parseDecision)
	if e.dlog != nil {
		eval = prog.Eval // the log keeps the decision object
	}
	res, err := eval(ctx, input, rev.data, c)
	timedOut := c.timedOut.Load()
	releaseCanceler(c, stop != nil && !stop())
	switch {
	case err != nil && timedOut:
		return nil, res, nil, fmt.Errorf("policy evaluation exceeded the %v timeout", e.opts.Timeout)
	case err != nil && ctx.Err() != nil:
		return nil, res, nil, fmt.Errorf("policy evaluation cancelled: %w", ctx.Err())
	case err != nil:
		return nil, res, nil, fmt.Errorf("policy evaluation: %w", err)
	case res.Value == nil:
		res.Release()
		return nil, ireval.Result{}, nil, ErrUndefined
	}
	return res.Value.Value, res, nil, nil
}

// evalTopdown runs the prepared query. A panic in OPA (a builtin bug, say)
// becomes an error, so OnError decides, not a crash.
func (e *Engine) evalTopdown(ctx context.Context, rev *revision, input *ast.Term) (_ ast.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("policy evaluation panicked: %v", p)
		}
	}()
	c := acquireCanceler(e.opts.Timeout)
	var stop func() bool
	if ctx.Done() != nil {
		stop = context.AfterFunc(ctx, c.Cancel)
	}
	vc := acquireVirtualCache()
	opts := [7]rego.EvalOption{rev.fixed[0], rev.fixed[1], rev.fixed[2], rev.fixed[3],
		rego.EvalParsedInput(input.Value), rego.EvalExternalCancel(c), rego.EvalVirtualCache(vc)}
	rs, err := rev.query.Eval(ctx, opts[:]...)
	releaseVirtualCache(vc)
	timedOut := c.timedOut.Load()
	releaseCanceler(c, stop != nil && !stop())
	switch {
	case err != nil && timedOut:
		return nil, fmt.Errorf("policy evaluation exceeded the %v timeout", e.opts.Timeout)
	case err != nil:
		if ctx.Err() != nil {
			return nil, fmt.Errorf("policy evaluation cancelled: %w", ctx.Err())
		}
		return nil, fmt.Errorf("policy evaluation: %w", err)
	case len(rs) == 0 || len(rs[0].Expressions) == 0:
		return nil, ErrUndefined
	}
	v, ok := rs[0].Expressions[0].Value.(ast.Value)
	if !ok {
		return nil, fmt.Errorf("policy evaluation: unexpected result %T", rs[0].Expressions[0].Value)
	}
	return v, nil
}

// warnOnce logs at most once a second per last (a unix-nanos rate limiter).
func (e *Engine) warnOnce(last *atomic.Int64, msg string, args ...any) {
	now := time.Now().UnixNano()
	if l := last.Load(); now-l > int64(time.Second) && last.CompareAndSwap(l, now) {
		e.log.Warn(msg, args...)
	}
}

// errorDecision applies OnError, counts the error and logs it at most once a second.
func (e *Engine) errorDecision(err error) Decision {
	decisionsError.Inc()
	evalErrors.Inc()
	e.warnOnce(&e.lastWarn, "policy evaluation failed", "on_error", e.opts.OnError, "err", err)
	d := Decision{Allow: !e.denyErr, CacheTTLSeconds: -1, Err: err}
	if e.denyErr {
		d.Reasons = []Reason{{Code: ReasonPolicyError, Message: "request denied: the policy could not be evaluated"}}
	}
	return d
}

// noteEvaluator warns when the compiled evaluator was asked for but OPA serves.
func (e *Engine) noteEvaluator(rev *revision) {
	if rev.whyOPA != "" {
		e.log.Warn("policy served by OPA's evaluator, not the compiled one", "revision", rev.id, "why", rev.whyOPA)
	}
}

// Reload re-reads and swaps the policy if its content changed. On error the
// last good revision keeps serving; the error is counted, logged and returned.
func (e *Engine) Reload() error {
	e.reloadMu.Lock()
	defer e.reloadMu.Unlock()
	src, err := readSources(e.opts.Dir)
	if err == nil && src.hash == e.rev.Load().id {
		e.clearLastError() // unchanged (touched, SIGHUP without edits, or a broken edit undone)
		return nil
	}
	var rev *revision
	if err == nil {
		rev, err = buildRevision(context.Background(), src, !e.opts.SkipTests, e.opts.Evaluator)
	}
	if err != nil {
		e.reloadFailed(err)
		return err
	}
	e.rev.Store(rev)
	reloadsOK.Inc()
	e.reloadsOK.Add(1)
	e.clearLastError()
	e.log.Info("policy reloaded", "dir", e.opts.Dir, "revision", rev.id, "evaluator", rev.evaluator)
	e.noteEvaluator(rev)
	return nil
}

func (e *Engine) clearLastError() {
	e.statusMu.Lock()
	e.lastErr, e.lastErrAt = "", time.Time{}
	e.statusMu.Unlock()
}

func (e *Engine) reloadFailed(err error) {
	reloadsError.Inc()
	e.reloadsKO.Add(1)
	e.statusMu.Lock()
	e.lastErr, e.lastErrAt = err.Error(), time.Now()
	e.statusMu.Unlock()
	e.log.Error("policy reload rejected, keeping the last good revision",
		"dir", e.opts.Dir, "revision", e.rev.Load().id, "err", err)
}

// UsesResponsePhase reports whether the serving policy can decide anything
// in the response phase: a rule reads input.response or mentions the string
// "response" (as in input.phase == "response"). When false, evaluating the
// response phase would repeat the request phase's answer at full cost.
func (e *Engine) UsesResponsePhase() bool { return e.rev.Load().usesResponse }

// Reads reports the input parts the serving revision reads (see Serving.Reads).
func (e *Engine) Reads() InputParts { return e.Serving().Reads() }

// Status reports the serving revision and reload counts.
func (e *Engine) Status() Status {
	rev := e.rev.Load()
	e.statusMu.Lock()
	defer e.statusMu.Unlock()
	return Status{
		Revision: rev.id, LoadedAt: rev.loadedAt,
		LastError: e.lastErr, LastErrorAt: e.lastErrAt,
		ReloadsOK: e.reloadsOK.Load(), ReloadsFailed: e.reloadsKO.Load(),
		Evaluator: rev.evaluator, EvaluatorNote: rev.whyOPA,
	}
}

// Close stops the watcher and drains the decision log. Decide must not be
// called after Close.
func (e *Engine) Close() {
	e.closeOnce.Do(func() {
		close(e.stop)
		e.watchDone.Wait()
		if e.dlog != nil {
			e.dlog.stop()
		}
	})
}

// watch polls file stamps (names, sizes, mtimes) and reloads on change.
// A failing poll (directory gone) is reported once per distinct error.
func (e *Engine) watch(last []fileStamp) {
	defer e.watchDone.Done()
	t := time.NewTicker(e.opts.PollInterval)
	defer t.Stop()
	var lastPollErr string
	for {
		select {
		case <-e.stop:
			return
		case <-t.C:
		}
		st, err := stamps(e.opts.Dir)
		if err != nil {
			if err.Error() != lastPollErr {
				lastPollErr = err.Error()
				e.reloadFailed(err)
			}
			continue
		}
		lastPollErr = ""
		if slices.Equal(st, last) {
			continue
		}
		last = st
		_ = e.Reload() // logged and counted inside
	}
}
