create function note_ddl() returns event_trigger language plpgsql as $$begin perform 1; end$$;
create event trigger e_gone on ddl_command_end execute function note_ddl();
create event trigger e_kept on sql_drop execute function note_ddl();
