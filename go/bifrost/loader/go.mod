module github.com/bifrost-as/bifrost-as/go/bifrost/loader

go 1.26

require (
	github.com/bifrost-as/bifrost-as/go v0.0.0
	github.com/bifrost-as/bifrost-as/go/bifrost v0.0.0
	github.com/maximhq/bifrost/core v1.6.2
)

replace (
	github.com/bifrost-as/bifrost-as/go => ../../
	github.com/bifrost-as/bifrost-as/go/bifrost => ../
)
