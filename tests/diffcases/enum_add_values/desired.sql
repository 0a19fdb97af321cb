create type mood as enum ('angry', 'sad', 'ok', 'happy', 'ecstatic'); create table p (m mood default 'ok');
