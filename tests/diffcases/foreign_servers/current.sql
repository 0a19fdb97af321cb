create foreign data wrapper w_kept;
create foreign data wrapper w_gone options (debug 'true');
create server s_kept foreign data wrapper w_kept options (host 'a');
create server s_gone foreign data wrapper w_gone;
create user mapping for public server s_kept options (user 'app');
create user mapping for current_user server s_gone;
