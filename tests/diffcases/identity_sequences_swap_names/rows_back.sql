insert into a (v) values (1), (2); insert into b (v) values (1); insert into c (v) values (1);
insert into d (v) values (1); insert into e (v) values (1); insert into f (v) values (1); insert into g (v) values (1);
