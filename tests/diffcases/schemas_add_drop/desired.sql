create schema new_s; create table new_s.t (id int); comment on schema new_s is 'fresh';
