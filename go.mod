module github.com/sipterm/sipterm

go 1.26.8
