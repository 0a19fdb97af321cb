create type mood as enum ('sad', 'happy'); create table p (m mood default 'sad');
