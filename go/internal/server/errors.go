package server

import (
	"errors"

	"github.com/bifrost-as/bifrost-as/go/engine"
)

// serialize turns an engine error into the SerializedError the TypeScript
// host's serializeError gives for the same failure, so reviveError rebuilds
// the same class with the same message.
func serialize(err error) serializedError {
	s := serializedError{Name: "PluginError", Message: err.Error()}
	var he *engine.HookError
	if errors.As(err, &he) {
		s.Hook = he.Hook
	}
	var (
		te  *engine.TrapError
		me  *engine.MemoryError
		ee  *engine.ExitError
		to  *engine.TimeoutError
		mal *engine.MallocError
		out *engine.OutputError
		u8  *engine.UTF8Error
		big *engine.InputTooLargeError
		ue  *engine.UnusableError
	)
	switch {
	case errors.As(err, &ue), he == nil:
		// A load failure or an unusable plugin: a plain PluginError without a hook.
		s.Hook = ""
	case errors.As(err, &me):
		s.Name, s.Kind, s.LimitPages = "PluginMemoryError", string(engine.TrapOutOfMemory), me.LimitPages
		s.FunctionName = me.Function
	case errors.As(err, &te):
		s.Name, s.Kind, s.FunctionName = "PluginTrapError", string(te.Kind), te.Function
		if te.FreeStep != "" {
			s.Hook = "free" // the TypeScript host names the step, free, as the trap's hook
		}
	case errors.As(err, &ee):
		s.Name, s.Kind, s.FunctionName = "PluginTrapError", string(engine.TrapProcExit), "proc_exit"
	case errors.As(err, &to):
		s.Name, s.TimeoutMs = "PluginTimeoutError", float64(to.Timeout.Microseconds())/1000
	case errors.As(err, &mal):
		s.Name, s.Violations = "PluginContractError", []string{mal.What()}
	case errors.As(err, &out):
		s.Name, s.Violations = "PluginContractError", []string{out.What()}
	case errors.As(err, &u8):
		s.Name, s.Violations = "PluginContractError", []string{u8.What()}
	case errors.As(err, &big):
		s.Name, s.InputBytes, s.LimitBytes = "PluginInputTooLargeError", big.InputBytes, big.LimitBytes
	default:
		// Closed, not exported, cancelled: a PluginError naming the hook is the closest the TypeScript host has.
		s.Hook = ""
	}
	return s
}

// isTrap reports whether the TypeScript runner would re-instantiate after err (a PluginTrapError).
func isTrap(err error) bool {
	return errors.Is(err, engine.ErrTrap) || errors.Is(err, engine.ErrMemoryLimit) || errors.Is(err, engine.ErrExit)
}
