package callsheet

import "context"

// Actor is whoever is acting: a user logged in to the web UI, an API token,
// or an operator at the command line acting for an account. Every store
// method scopes its queries to the actor's account, and restricts agents to
// what their role allows.
type Actor struct {
	AccountID int64
	UserID    int64 // zero for API tokens and operators
	TokenID   int64 // set when acting through an API token
	Role      Role
	Name      string // for the audit log
}

// IsAdmin reports whether the actor may manage the account.
func (a *Actor) IsAdmin() bool { return a != nil && a.Role == RoleAdmin }

type actorKey struct{}

// NewContextWithActor returns a context carrying the actor.
func NewContextWithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFromContext returns the actor of the context, or nil.
func ActorFromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// AccountIDFromContext returns the account of the context's actor, or zero.
func AccountIDFromContext(ctx context.Context) int64 {
	if a := ActorFromContext(ctx); a != nil {
		return a.AccountID
	}
	return 0
}

type operatorKey struct{}

// NewOperatorContext marks a context as acting for the operator of the
// installation (the command line), who may create and list accounts and
// look users up across accounts to log them in.
func NewOperatorContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, operatorKey{}, true)
}

// IsOperator reports whether ctx was marked by NewOperatorContext.
func IsOperator(ctx context.Context) bool {
	v, _ := ctx.Value(operatorKey{}).(bool)
	return v
}
