insert into place values (1, point(1, 2));
