create function valid_score(s int) returns boolean language sql immutable
  begin atomic select s between 0 and 100; end;
create table t (id int primary key, score int check (valid_score(score)));
