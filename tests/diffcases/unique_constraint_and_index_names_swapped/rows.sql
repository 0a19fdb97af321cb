insert into t values (1, 1, 5), (2, 2, 5);
insert into u values (1, 1, 2), (2, 2, 1);
insert into v values (1, 1), (2, 2);
insert into w values (1, 7), (2, 7);
insert into k values (1, 1, 2), (2, 2, 1);
insert into m values (1, 1, 2), (2, 2, 1);
insert into m_ref values (1, 2), (2, 1);
insert into p values (1, 1, null), (2, null, 1);
