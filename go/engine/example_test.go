package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bifrost-as/bifrost-as/go/engine"
)

func Example() {
	ctx := context.Background()
	wasm, err := os.ReadFile("testdata/echo.wasm")
	if err != nil {
		panic(err)
	}
	p, err := engine.Load(ctx, wasm, engine.Options{
		Label:       "echo.wasm",
		Config:      []byte(`{"mock_models":["m1"]}`),
		PoolSize:    2,
		HookTimeout: time.Second,
	})
	if err != nil {
		panic(err) // a *engine.LoadError or a *engine.HookError
	}
	defer p.Close(ctx)

	res, err := p.Call(ctx, "pre_hook", []byte(`{"context":{},"request":{"model":"m1"}}`))
	var he *engine.HookError
	switch {
	case errors.Is(err, engine.ErrTimeout), errors.Is(err, engine.ErrTrap):
		fmt.Println("the instance was replaced:", err)
	case errors.As(err, &he):
		fmt.Println(he.Plugin, he.Hook, he.Err)
	case err == nil:
		fmt.Printf("%s answered %s (%d bytes in)\n", p.Name(), res.Output, res.Stats.InputBytes)
	}
	// Output: echo answered {"context":{},"request":{"model":"m1"}} (39 bytes in)
}
