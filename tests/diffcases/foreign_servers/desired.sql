create foreign data wrapper w_kept options (mode 'x');
create foreign data wrapper w_new;
create server s_kept type 'pg' version '18' foreign data wrapper w_kept options (host 'b', port '5432');
create server s_new foreign data wrapper w_new;
create user mapping for public server s_kept options (user 'other');
create user mapping for current_user server s_new options (user 'me');
comment on server s_new is 'the new one';
comment on foreign data wrapper w_new is 'no handler';
