package web

import (
	"context"
	"time"
)

// DefaultSweepInterval is how often SweepSessions looks for ended
// sessions unless told otherwise.
const DefaultSweepInterval = 10 * time.Minute

// sweepTimeout bounds one deletion, so a stuck store cannot hold the
// sweeper past shutdown for long.
const sweepTimeout = 30 * time.Second

// SweepSessions deletes the sessions that have ended (past SessionTTL, or
// idle longer than IdleTimeout by the server's clock) once at the start and
// then every interval (DefaultSweepInterval when not positive), until ctx
// is canceled; it then returns ctx's error. A failed sweep is logged and
// retried at the next tick. Sessions are also refused when they are used
// after their end, so sweeping only keeps the store small.
func (s *Server) SweepSessions(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = DefaultSweepInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		s.sweepOnce(ctx)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (s *Server) sweepOnce(ctx context.Context) {
	sctx, cancel := context.WithTimeout(ctx, sweepTimeout)
	defer cancel()
	n, err := s.cfg.Sessions.DeleteExpiredSessions(sctx, s.cfg.Now(), s.cfg.IdleTimeout)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("web: deleting ended sessions", "error", err)
	case n > 0:
		s.log.Info("web: deleted ended sessions", "count", n)
	}
}
