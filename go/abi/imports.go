package abi

import "fmt"

// envImportFixes names the fix for each env import AssemblyScript adds by
// default (Bifrost provides no env module).
var envImportFixes = map[string]string{
	"abort": "build with --use abort= ",
	"trace": "remove trace() calls or build with --use trace= ",
	"seed":  "avoid Math.random, which imports env.seed",
}

// ImportProblem says why an imported function cannot be satisfied by
// Bifrost's host, or "" when it can (a module-level check: wazero checks each
// WASI function's name and signature when it instantiates). The wording is
// the TypeScript validator's.
func ImportProblem(module, name string) string {
	if module == WASIModule {
		return ""
	}
	fix, ok := envImportFixes[name]
	if module != "env" || !ok {
		fix = "Bifrost provides only " + WASIModule
	}
	return fmt.Sprintf("import %q is not provided by Bifrost (%s)", module+"."+name, fix)
}
