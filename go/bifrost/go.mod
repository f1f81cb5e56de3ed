module github.com/bifrost-as/bifrost-as/go/bifrost

go 1.26

replace github.com/bifrost-as/bifrost-as/go => ../
