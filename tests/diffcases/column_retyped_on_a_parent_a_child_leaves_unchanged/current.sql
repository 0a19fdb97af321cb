-- A parent's column retyped while a child that has it from the parent leaves (NO INHERIT) keeping the type it
-- had (pagila seed 118 of the fz_obj kinds): the parent's ALTER ... TYPE ran first and reached the child, which
-- left with the new type, and every diff after retyped it back. The child leaves first, as a partition does.
-- Back, the child joins (INHERIT) once its parent's column has its type.
create table base_log (id int not null, at date);
create table sys_log (extra text) inherits (base_log);
create table app_log (msg text) inherits (base_log);
