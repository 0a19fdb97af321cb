insert into local_kept values (1), (2);
