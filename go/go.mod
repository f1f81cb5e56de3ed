module github.com/bifrost-as/bifrost-as/go

go 1.26

require (
	github.com/tetratelabs/wazero v1.11.0 // indirect
	golang.org/x/sys v0.38.0 // indirect
)
