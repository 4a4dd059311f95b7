module twitchconduits

go 1.19
