insert into a.items (label) values ('x'); insert into a.refs values (1);
