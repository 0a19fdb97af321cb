-- Overloads of one name reshuffled under a view that calls them: label(text) replaced by label(text, text
-- DEFAULT ''), label(int, int) dropped, label(int) retyped. The old label(text) goes before the view comes back:
-- beside the new one, label(s) is ambiguous ("function label(text) is not unique").
create function label(x int) returns text language sql immutable return 'i' || x;
create function label(x text) returns text language sql immutable return 't' || x;
create function label(x int, y int) returns text language sql immutable return 'ii' || x || y;
create table t (id int primary key, s text);
create view v as select label(id) as a, label(s) as b from t;
