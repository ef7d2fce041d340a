module github.com/libdos/libdos/bindings/go

go 1.22
