insert into boxes values (1, 2), (2, null);
insert into holder values (1, row(1, 2)), (2, null);
