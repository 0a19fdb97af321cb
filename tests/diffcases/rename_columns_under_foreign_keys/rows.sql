insert into team values (1, null);
insert into person values (1, 1, null), (2, 1, 1);
update team set lead_id = 2;
