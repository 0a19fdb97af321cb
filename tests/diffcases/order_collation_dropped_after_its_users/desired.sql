create table keep (x int, y text);
