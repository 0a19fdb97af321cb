insert into st_info values ('a', 'x'), ('b', 'y');
insert into item values (1, 'a');
insert into acct values (1, 'A@b', 'x');
insert into login values (1, 'A@b');
