-- Teaching: courses, their members (instructor, TAs, students, who join
-- with the invite code), assignments with HTTP checks, the functions
-- students make for them, and the checks' results on every version.
create table courses (
    course_id bigint generated always as identity primary key,
    name text not null,
    -- YYYY-MM-DD.
    starts_on text not null,
    ends_on text not null,
    invite_code text not null unique,
    created_at bigint not null
);

create table course_members (
    course_id bigint not null references courses (course_id) on delete cascade,
    user_id bigint not null references users (user_id) on delete cascade,
    -- instructor, ta or student.
    role text not null,
    joined_at bigint not null,
    primary key (course_id, user_id)
);
create index course_members_user on course_members (user_id);

create table assignments (
    assignment_id bigint generated always as identity primary key,
    course_id bigint not null references courses (course_id) on delete cascade,
    title text not null,
    instructions text not null,
    language text not null,
    starter text not null,
    due_at bigint not null,
    -- The checks, as JSON.
    checks text not null,
    created_at bigint not null,
    updated_at bigint not null
);
create index assignments_course on assignments (course_id);

-- A student's function for an assignment.
alter table functions add column assignment_id bigint
    references assignments (assignment_id) on delete set null;
create index functions_assignment on functions (assignment_id);

-- The checks' results on each deployed version of such a function.
create table check_runs (
    function_id bigint not null references functions (function_id) on delete cascade,
    version bigint not null,
    passed bigint not null,
    total bigint not null,
    -- Each check's result, as JSON.
    results text not null,
    deployed_at bigint not null,
    primary key (function_id, version)
);
