import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type FormEvent } from "react";
import { NavLink, useNavigate } from "react-router";

import { useConfirm } from "@/components/ConfirmDialog";
import { ErrorNotice } from "@/components/ErrorNotice";
import { formatDate } from "@/lib/format";
import { formText } from "@/lib/forms";
import type { Thread } from "@/lib/types";

import { chatKeys, createThread, deleteThread, listThreads, updateThread } from "../api/chats";

interface ThreadSidebarProps {
  activeId: string | undefined;
  open: boolean;
  onNavigate: () => void;
}

/** The person's chats: new, open, rename, archive, delete. */
export function ThreadSidebar({ activeId, open, onNavigate }: ThreadSidebarProps) {
  const [archived, setArchived] = useState(false);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const threads = useInfiniteQuery({
    queryKey: chatKeys.threads(archived),
    queryFn: ({ pageParam }) => listThreads(archived, pageParam),
    initialPageParam: 1,
    getNextPageParam: (page) => (page.has_more ? page.page + 1 : undefined),
  });
  const create = useMutation({
    mutationFn: () => createThread({}),
    onSuccess: ({ thread }) => {
      void queryClient.invalidateQueries({ queryKey: chatKeys.threadLists() });
      queryClient.setQueryData(chatKeys.thread(thread.id), thread);
      void navigate(`/studio/${thread.id}`);
      onNavigate();
    },
  });
  const items = threads.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <nav id="thread-sidebar" className={`thread-sidebar${open ? " open" : ""}`} data-testid="thread-sidebar" aria-label="Chats">
      <div className="sidebar-head">
        <button type="button" className="button primary" onClick={() => create.mutate()} disabled={create.isPending}>
          {create.isPending ? "Creating…" : "+ New mix"}
        </button>
        <label className="toggle">
          <input type="checkbox" checked={archived} onChange={(event) => setArchived(event.target.checked)} />
          Show archived
        </label>
      </div>
      {create.error ? <ErrorNotice error={create.error} /> : null}
      <h2 className="sidebar-title">{archived ? "Archived chats" : "Your chats"}</h2>
      {threads.isPending ? (
        <p className="muted" aria-busy="true">
          Loading chats…
        </p>
      ) : threads.error ? (
        <ErrorNotice error={threads.error} onRetry={() => void threads.refetch()} />
      ) : items.length === 0 ? (
        <p className="muted sidebar-empty">{archived ? "No archived chats." : "No chats yet. Start a new mix."}</p>
      ) : (
        <ul className="thread-list">
          {items.map((thread) => (
            <ThreadItem key={thread.id} thread={thread} active={thread.id === activeId} onNavigate={onNavigate} />
          ))}
        </ul>
      )}
      {threads.hasNextPage && (
        <button
          type="button"
          className="button ghost small"
          onClick={() => void threads.fetchNextPage()}
          disabled={threads.isFetchingNextPage}
        >
          {threads.isFetchingNextPage ? "Loading…" : "Load more chats"}
        </button>
      )}
    </nav>
  );
}

function ThreadItem({ thread, active, onNavigate }: { thread: Thread; active: boolean; onNavigate: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [menu, setMenu] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  const changed = (updated: Thread) => {
    queryClient.setQueryData(chatKeys.thread(updated.id), updated);
    void queryClient.invalidateQueries({ queryKey: chatKeys.threadLists() });
  };
  const patch = useMutation({
    mutationFn: (body: { title?: string; archived?: boolean }) => updateThread(thread.id, body),
    onSuccess: (updated) => {
      changed(updated);
      setRenaming(false);
      setMenu(false);
    },
  });
  const remove = useMutation({
    mutationFn: () => deleteThread(thread.id),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: chatKeys.thread(thread.id) });
      queryClient.removeQueries({ queryKey: chatKeys.messages(thread.id) });
      void queryClient.invalidateQueries({ queryKey: chatKeys.threadLists() });
      if (active) void navigate("/studio", { replace: true });
    },
  });

  useEffect(() => {
    if (renaming) input.current?.select();
  }, [renaming]);

  const rename = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const title = formText(new FormData(event.currentTarget), "title").trim();
    if (!title || title === thread.title) return setRenaming(false);
    patch.mutate({ title });
  };

  const { confirm, dialog } = useConfirm();
  const confirmDelete = async () => {
    const sure = await confirm({
      title: "Delete this chat?",
      message: `“${thread.title}” and all its messages and versions are deleted. This cannot be undone.`,
      confirmLabel: "Delete chat",
      tone: "danger",
    });
    if (sure) remove.mutate();
  };

  return (
    <li className={`thread-item${active ? " active" : ""}`}>
      {dialog}
      {renaming ? (
        <form className="thread-rename" onSubmit={rename}>
          <label>
            <span className="visually-hidden">Chat title</span>
            <input
              ref={input}
              name="title"
              defaultValue={thread.title}
              maxLength={200}
              required
              aria-label="Chat title"
              onKeyDown={(event) => {
                if (event.key === "Escape") setRenaming(false);
              }}
            />
          </label>
          <div className="thread-actions">
            <button type="submit" className="button small primary" disabled={patch.isPending}>
              Save
            </button>
            <button type="button" className="button small ghost" onClick={() => setRenaming(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <div className="thread-row">
          <NavLink to={`/studio/${thread.id}`} className="thread-link" onClick={onNavigate}>
            <span className="thread-title">{thread.title}</span>
            <span className="thread-meta muted">
              {formatDate(thread.last_message_at ?? thread.updated_at)}
              {thread.archived ? " · archived" : ""}
            </span>
          </NavLink>
          <button
            type="button"
            className="button ghost small thread-menu"
            aria-expanded={menu}
            aria-label={`Actions for ${thread.title}`}
            onClick={() => setMenu((shown) => !shown)}
          >
            ⋯
          </button>
        </div>
      )}
      {menu && !renaming && (
        <div className="thread-actions" role="group" aria-label={`Actions for ${thread.title}`}>
          <button type="button" className="button small" onClick={() => setRenaming(true)}>
            Rename
          </button>
          <button
            type="button"
            className="button small"
            disabled={patch.isPending}
            onClick={() => patch.mutate({ archived: !thread.archived })}
          >
            {thread.archived ? "Unarchive" : "Archive"}
          </button>
          <button type="button" className="button small danger" disabled={remove.isPending} onClick={confirmDelete}>
            {remove.isPending ? "Deleting…" : "Delete"}
          </button>
        </div>
      )}
      {patch.error ? <ErrorNotice error={patch.error} /> : null}
      {remove.error ? <ErrorNotice error={remove.error} /> : null}
    </li>
  );
}
