-- A course's caps per student on the functions of its assignments (null:
-- none): requests and GB-seconds over the whole course, and the storage
-- of their versions; and the students whose caps the instructor lifted.
alter table courses add column student_requests bigint;
alter table courses add column student_gb_seconds bigint;
alter table courses add column student_storage_mb bigint;
alter table course_members add column uncapped bigint not null default 0;
