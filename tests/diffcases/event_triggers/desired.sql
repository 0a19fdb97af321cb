create function note_ddl() returns event_trigger language plpgsql as $$begin perform 1; end$$;
create event trigger e_kept on ddl_command_start when tag in ('CREATE TABLE', 'ALTER TABLE') execute function note_ddl();
alter event trigger e_kept disable;
create event trigger e_new on sql_drop execute function note_ddl();
comment on event trigger e_new is 'watches drops';
