create table p1 (id bigint not null, a text);
create table p2 (id bigint not null, b text not null);
create table p3 (c text);
create table kid (d text) inherits (p1, p2, p3);
