module goleak

go 1.22
