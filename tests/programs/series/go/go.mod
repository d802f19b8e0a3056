module memgrow

go 1.22
