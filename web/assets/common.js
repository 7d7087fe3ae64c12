// Shared code of the three pages: translations, the WebSocket connection, the connection
// indicator, countdowns, toasts, ranking and a tiny DOM builder.
//
// Rule for every page: data from the server (team names, questions, answers) only ever goes
// into the DOM through `textContent` (see `h()`), never through innerHTML.

// ---------------------------------------------------------------------------------------------
// i18n
// ---------------------------------------------------------------------------------------------

/** Every user-visible string, Vietnamese first (the default) and English. `{name}` = parameter. */
const STRINGS = {
  vi: {
    // Shared
    'lang.switch': 'Đổi ngôn ngữ / Switch language',
    'conn.connecting': 'Đang kết nối…',
    'conn.connected': 'Đã kết nối',
    'conn.disconnected': 'Mất kết nối — đang kết nối lại…',
    'conn.failed': 'Không thể kết nối',
    'not_connected': 'Chưa kết nối tới máy chủ — vui lòng chờ.',
    'points': '{n} điểm',
    'round': 'Phần thi {n}/{total}',
    'question_no': 'Câu {n}/{total}',
    'answer': 'Đáp án',
    'prize.1': 'Giải Nhất',
    'prize.2': 'Giải Nhì',
    'prize.3': 'Giải Ba',
    'verdict.correct': 'Đúng',
    'verdict.wrong': 'Chưa chính xác',
    'seconds': '{n} giây',
    'unit.ms': '{n}\u00a0ms',
    'ago.now': 'vừa xong',
    'ago.s': '{n} s trước',
    'ago.min': '{n} phút trước',

    // Rejections (PROTOCOL.md, `rejected` codes)
    'rej.no_question': 'Chưa có câu hỏi nào được đưa ra.',
    'rej.contest_finished': 'Hội thi đã kết thúc.',
    'rej.buzzers_open': 'Chuông đang mở — hãy khóa chuông trước.',
    'rej.awaiting_judgement': 'Một đội đang giành quyền trả lời — hãy chấm Đúng/Sai trước.',
    'rej.question_closed': 'Câu hỏi này đã kết thúc.',
    'rej.buzzers_not_open': 'Chuông chưa mở.',
    'rej.buzzers_closed': 'Chuông chưa mở — chờ hiệu lệnh của MC.',
    'rej.floor_taken': 'Chậm một chút! Đội khác đã giành quyền trả lời.',
    'rej.already_has_floor': 'Đội bạn đang giữ quyền trả lời.',
    'rej.already_tried': 'Đội bạn đã trả lời câu này, không được bấm chuông lại.',
    'rej.no_floor': 'Chưa có đội nào giành quyền trả lời để chấm.',
    'rej.nothing_to_undo': 'Không có kết quả chấm nào để hoàn tác ở câu này.',
    'rej.already_revealed': 'Đáp án đã được công bố.',
    'rej.unknown_team': 'Không tìm thấy đội thi này.',
    'rej.invalid_adjustment': 'Điều chỉnh điểm không hợp lệ: số điểm phải khác 0, không quá lớn và phải có lý do.',
    'rej.already_buzzed': 'Đội bạn đã bấm chuông rồi.',
    'rej.false_start_lockout': 'Bấm sớm! Chuông của đội bạn tạm khóa trong giây lát.',
    'rej.lost_by_false_start': 'Đội bạn đã bấm sớm (phạm quy) nên mất quyền trả lời câu này.',
    'rej.unknown_round': 'Không có phần thi này.',
    'rej.round_played': 'Phần thi này đã hỏi hết câu hỏi.',
    'rej.caption_too_long': 'Dòng chữ giải lao quá dài (tối đa 120 ký tự).',
    // Errors (PROTOCOL.md, `error` codes)
    'err.bad_message': 'Máy chủ không hiểu tin nhắn vừa gửi.',
    'err.binary_not_supported': 'Máy chủ không nhận dữ liệu nhị phân.',
    'err.hello_first': 'Thiết bị chưa đăng nhập với máy chủ.',
    'err.already_joined': 'Thiết bị này đã tham gia rồi.',
    'err.unknown_team': 'Không tìm thấy đội thi này — vui lòng chọn lại đội.',
    'err.bad_token': 'Mã điều khiển không đúng.',
    'err.not_allowed': 'Bạn không có quyền thực hiện thao tác này.',
    'err.unknown': 'Lỗi: {message}',
    'err.bad_code': 'Mã tham gia không đúng.',
    'err.unknown_device': 'Máy này chưa được đăng ký với đội nào — hãy chọn đội và nhập mã tham gia.',
    'err.device_revoked': 'Thiết bị này đã bị BTC gỡ khỏi đội',
    'err.device_refused': 'Máy này đã đăng ký cho một đội khác — hãy chọn lại đội và nhập mã tham gia.',
    'err.team_full': 'Đội đã có đủ số máy kết nối cùng lúc — hãy đóng trang trên một máy khác của đội rồi thử lại.',
    'err.rate_limited': 'Gửi quá nhiều tin nhắn — hãy chậm lại.',
    'err.storage_failed': 'Máy chủ không lưu được — thử lại sau giây lát.',
    'err.server_error': 'Máy chủ gặp lỗi — thử lại sau giây lát.',
    'err.throttled': 'Nhập sai mã tham gia quá nhiều lần — vui lòng chờ rồi thử lại.',
    'rej.storage_failed': 'Máy chủ không lưu được thao tác này; không có gì thay đổi.',

    // Team page
    'join.title': 'Bấm chuông — Đội thi',
    'join.heading': 'Chọn đội của bạn',
    'join.loading': 'Đang tải danh sách đội…',
    'join.load_failed': 'Không tải được danh sách đội. Đang thử lại…',
    'join.no_teams': 'Chưa có đội thi nào.',
    'join.joined': 'Đã tham gia · {n} máy',
    'join.not_joined': 'Chưa tham gia',
    'join.change': 'Đổi đội',
    'join.buzz': 'BẤM',
    'join.hint': 'Chạm vào nút (hoặc phím Space / Enter)',
    'join.team_gone': 'Đội đã chọn không còn trong hội thi — vui lòng chọn lại.',
    'join.change_confirm': 'Chạm lần nữa để đổi đội',
    'join.back': '← Chọn đội khác',
    'join.code_for': 'Đội của bạn',
    'join.code_label': 'Mã tham gia của đội',
    'join.code_help': 'Mã gồm 7 chữ và số, BTC phát cho mỗi đội (hoặc quét mã QR của đội).',
    'join.submit': 'Tham gia',
    'join.joining': 'Đang tham gia…',
    'join.code_empty': 'Hãy nhập mã tham gia của đội.',
    'join.code_length': 'Mã gồm 7 ký tự — bạn đã nhập {n}.',
    'join.code_chars': 'Mã không có ký tự {chars}. Mã chỉ dùng chữ và số dễ đọc (không có O, 0, I, 1, L, Z, 2, S, 5, B, 8).',
    'join.code_ime': 'Mã có chữ có dấu ({chars}) — hãy tắt bộ gõ tiếng Việt (Telex/VNI) rồi nhập lại.',
    'join.bad_code': 'Mã không đúng. Hãy kiểm tra lại mã của đội với BTC.',
    'join.bad_link_code': 'Mã trong mã QR / đường dẫn không còn đúng (có thể BTC đã đổi mã). Hãy nhập mã mới của đội.',
    'join.team_full_wait': 'Đội đã đủ số máy kết nối — đang chờ một máy của đội thoát ra…',
    'join.throttled': 'Mạng này đã nhập sai mã quá nhiều lần. Vui lòng chờ {n} giây rồi thử lại.',
    'join.throttled_link': 'Mạng này đã nhập sai mã quá nhiều lần. Tự thử lại sau {n} giây…',
    'held.waiting': 'Đang kết nối lại — lượt bấm sẽ được gửi',
    'held.sent': 'Đã gửi lượt bấm — đang chờ máy chủ xét…',
    'held.accepted': 'Lượt bấm lúc mất kết nối đã được máy chủ nhận.',
    'held.too_late': 'Quá muộn: {team} đã giành quyền trả lời trước khi lượt bấm của bạn tới được máy chủ.',
    'held.closed': 'Quá muộn: câu hỏi đã kết thúc trước khi lượt bấm của bạn tới được máy chủ.',
    'held.refused': 'Lượt bấm lúc mất kết nối không được tính: {reason}',
    'held.question_changed': 'Lượt bấm lúc mất kết nối không được gửi: đã sang câu hỏi khác.',
    'held.locked': 'Lượt bấm lúc mất kết nối không được gửi: MC đã khóa chuông trong lúc đó.',
    'st.connecting': 'Đang kết nối…',
    'st.connecting_sub': 'Giữ màn hình mở, chuông sẽ sẵn sàng ngay.',
    'st.waiting_start': 'Chờ hội thi bắt đầu',
    'st.waiting_start_sub': 'Giữ màn hình này mở.',
    'st.ready': 'Chờ MC mở chuông',
    'st.ready_sub': 'Chuẩn bị bấm chuông!',
    'st.open': 'BẤM CHUÔNG!',
    'st.open_sub': 'Đội nào giành quyền trả lời?',
    'st.settling': 'Đã bấm chuông!',
    'st.settling_sub': 'Đang xác định đội bấm nhanh nhất…',
    'st.false_start': 'Bấm sớm! Chuông chưa mở.',
    'st.lost': 'Phạm quy — bấm sớm',
    'st.lost_sub': 'Đội bạn mất quyền trả lời câu này.',
    'st.mine': 'BẠN GIÀNH QUYỀN TRẢ LỜI!',
    'st.mine_sub': 'Mời đội trả lời',
    'st.mine_time_up': 'Hết giờ — chờ MC chấm',
    'st.other': '{team} giành quyền trả lời',
    'st.other_sub': 'Chờ kết quả…',
    'st.behind': 'Chậm hơn {ms}',
    'st.behind_close': 'Chậm hơn {ms} — sát nút!',
    'st.false_start_locked': 'Bấm sớm! Chuông chưa mở — tạm khóa {ms}.',
    'st.lockout': 'Bấm sớm — chuông tạm khóa',
    'st.lockout_sub': 'Chuông sẽ mở lại ngay sau đây.',
    'st.tried': 'Đội bạn đã trả lời câu này',
    'st.tried_sub': 'Không được bấm chuông lại ở câu này.',
    'st.locked': 'Chuông đã khóa',
    'st.locked_sub': 'Chờ MC…',
    'st.time_up': 'Hết giờ',
    'st.time_up_sub': 'Không đội nào bấm chuông.',
    'st.correct_me': 'CHÍNH XÁC!',
    'st.correct_me_sub': 'Xin chúc mừng đội bạn!',
    'st.correct_other': '{team} trả lời đúng',
    'st.closed': 'Câu hỏi đã kết thúc',
    'st.all_tried_sub': 'Không đội nào trả lời đúng.',
    'st.revealed_sub': 'Đáp án đã được công bố.',
    'st.finished': 'Hội thi đã kết thúc',
    'st.finished_sub': 'Đội bạn xếp hạng {rank}/{count} với {score} điểm.',
    'st.round_intro': 'Chuẩn bị: {title}',
    'st.round_intro_sub': '{round} sắp bắt đầu — chờ câu hỏi đầu tiên.',
    'st.round_scored_sub': '{round} — Ban giám khảo chấm điểm.',
    'st.ranking': 'Bảng xếp hạng đang chiếu',
    'st.ranking_sub': 'Đội bạn xếp hạng {rank} với {points} điểm.',
    'st.intermission': 'Giải lao',
    'st.pause_sub': 'Giữ màn hình này mở — chuông sẽ mở lại khi có câu hỏi.',

    // Control page
    'control.title': 'Điều khiển — MC',
    'control.no_token': 'Thiếu mã điều khiển. Hãy mở đúng đường dẫn /control#token=… được in ra khi khởi động máy chủ.',
    'control.bad_token': 'Mã điều khiển không đúng. Hãy mở lại đúng đường dẫn /control#token=… được in ra khi khởi động máy chủ.',
    'control.not_started': 'Chưa bắt đầu — bấm “Câu tiếp theo” để đưa ra câu hỏi đầu tiên, hoặc “Bắt đầu phần thi” (Chương trình thi) để chiếu tên phần thi trước.',
    'control.finished': 'Hội thi đã kết thúc. Kết quả chung cuộc đang hiện trên màn hình chiếu.',
    'control.finished_resume': 'Kết thúc nhầm? “Bắt đầu phần thi” ở một phần thi chưa xong sẽ tiếp tục hội thi.',
    'control.on_round_intro': 'Đang chiếu tên phần thi: {title}.',
    'control.intro_next': 'Bấm “Câu tiếp theo” để đưa ra câu hỏi đầu tiên của phần thi.',
    'control.intro_scored': 'Phần thi chấm điểm: nhập điểm của từng đội bằng nút + / − ở Bảng điểm (kèm lý do).',
    'control.round_scored': 'chấm điểm, không có câu hỏi',
    'control.on_ranking_round': 'Đang chiếu: kết quả phần thi {title}.',
    'control.on_ranking_all': 'Đang chiếu: bảng xếp hạng chung.',
    'control.on_intermission': 'Đang chiếu: giải lao — “{caption}”.',
    'control.on_intermission_plain': 'Đang chiếu: giải lao.',
    'control.after_slide': 'Bấm “Câu tiếp theo” để tiếp tục, hoặc chọn một phần thi trong Chương trình thi.',
    'control.programme': 'Chương trình thi',
    'control.round_shown': 'đã hỏi {shown}/{total} câu',
    'control.round_current': 'Đang thi',
    'control.start_round_label': 'Bắt đầu phần thi {n}: {title}',
    'control.round_ranking_label': 'Chiếu kết quả phần thi {n}: {title}',
    'control.intermission_caption': 'Dòng chữ trên màn hình chiếu (không bắt buộc)',
    'control.intermission_placeholder': 'VD: Giải lao 10 phút — Tiết mục văn nghệ',
    'control.intermission_show': 'Chiếu lên màn hình',
    'control.confirm_finish': 'Kết thúc hội thi ngay? Các câu chưa hỏi sẽ bị bỏ qua và kết quả chung cuộc lên màn hình chiếu — bấm lần nữa để xác nhận.',
    'control.mc_only': 'CHỈ MC XEM — không chiếu',
    'control.notes': 'Ghi chú',
    'control.phase': 'Trạng thái',
    'control.floor': 'Giành quyền trả lời',
    'control.nobody': '—',
    'control.buzz_order': 'Thứ tự bấm chuông',
    'control.judgements': 'Kết quả chấm',
    'control.none': 'Chưa có',
    'control.teams': 'Bảng điểm',
    'control.col_team': 'Đội thi',
    'control.col_score': 'Điểm',
    'control.col_devices': 'Thiết bị',
    'control.col_status': 'Câu này',
    'control.col_adjust': 'Cộng / trừ',
    'control.devices': '{n} máy',
    'control.tried': '✗ đã trả lời sai',
    'control.lost': '⚠ phạm quy (bấm sớm)',
    'control.online': '{online}/{n} máy',
    'control.offline_hint': 'Có máy không phản hồi (màn hình tắt hoặc mất sóng)',
    'control.rtt': '{ms} ms',
    'control.false_starts': 'Bấm sớm',
    'control.race': 'Lượt mở chuông {n}',
    'control.close_call': 'sát nút',
    'control.has_floor': '● đang trả lời',
    'control.shortcuts': 'Phím tắt: N câu tiếp theo · O mở chuông · L khóa chuông · C đúng · W sai · R hiện đáp án · U hoàn tác · E bằng chứng',
    'control.offline': 'Mất kết nối',
    'control.offline_alert': 'Mất kết nối: {teams} — kiểm tra điện thoại trước khi mở chuông.',
    'control.fs_lock': '{team} (khóa {ms})',
    'control.fs_lost': '{team} (mất quyền trả lời)',
    'control.fs_times': ' ×{n}',
    'control.clamped': 'thời điểm bấm bị giới hạn',
    'link.device': 'Máy {n}',
    'link.device_title': 'Kết nối số {id}',
    'link.offline': 'MẤT KẾT NỐI',
    'link.offset': 'lệch {ms}',
    'link.rtt': 'khứ hồi {ms}',
    'link.uplink': 'lên chậm nhất {ms}',
    'link.measuring': 'đang đo…',
    'link.settling_title': 'Ước lượng mới dựa trên {n} lần đo; chờ khoảng một giây',
    'link.never_seen': 'chưa phản hồi',
    'link.offset_title': 'Độ lệch đồng hồ của điện thoại so với máy chủ',
    'link.rtt_title': 'Thời gian khứ hồi tốt nhất (máy chủ → điện thoại → máy chủ)',
    'link.uplink_title': 'Độ trễ điện thoại → máy chủ chậm nhất trong 32 lần đo gần đây',
    'link.seen_title': 'Lần cuối điện thoại trả lời',
    'btn.evidence': 'Bằng chứng',
    'ev.title': 'Bằng chứng bấm chuông',
    'ev.explain': 'Thời điểm bấm = giờ ghi trên điện thoại − độ lệch đồng hồ (đo liên tục). Đội bấm sớm nhất giành quyền, không phải tín hiệu đến trước. Giờ theo đồng hồ máy chủ.',
    'ev.close': 'Đóng',
    'ev.none': 'Chưa có lượt bấm chuông nào ở câu này.',
    'ev.no_question': 'Chưa có câu hỏi nào được đưa ra.',
    'ev.col_rank': 'Hạng',
    'ev.col_team': 'Đội',
    'ev.col_gap': 'Cách đội nhất',
    'ev.col_press': 'Bấm lúc',
    'ev.col_arrived': 'Tín hiệu đến',
    'ev.col_delay': 'Trễ (đến − bấm)',
    'ev.col_claimed': 'Giờ điện thoại',
    'ev.col_offset': 'Lệch đồng hồ',
    'ev.col_rtt': 'Khứ hồi',
    'ev.col_allowance': 'Cho phép sớm',
    'ev.col_notes': 'Ghi chú',
    'ev.col_time': 'Lúc',
    'ev.col_penalty': 'Xử lý',
    'ev.first': 'nhanh nhất',
    'ev.no_claim': 'Không gửi giờ bấm — tính theo lúc tín hiệu đến',
    'ev.false_starts': 'Bấm sớm (trước khi mở chuông)',
    'ev.locked_until': 'khóa đến {time} ({ms})',
    'ev.lost_question': 'mất quyền trả lời câu này',
    'clamp.early': 'Bị giới hạn: bấm sớm hơn mức cho phép',
    'clamp.late': 'Bị giới hạn: giờ bấm sau lúc tín hiệu đến',
    'clamp.before_open': 'Bị giới hạn: trước lúc mở chuông',
    'control.links': 'Đội thi mở: {join} · Màn hình chiếu: {screen}',
    'control.confirm_next': 'Câu hỏi chưa kết thúc — bấm lần nữa để chuyển câu',
    'control.done': 'Đã thực hiện.',
    'access.title': 'Mã tham gia',
    'access.explain': 'Mỗi đội quét mã QR của đội, hoặc mở {join}, chọn đội và nhập mã. Đổi mã không ảnh hưởng các máy đã tham gia.',
    'access.localhost': 'Trang điều khiển đang mở bằng địa chỉ {host}: điện thoại không vào được địa chỉ này nên mã QR sẽ không dùng được. Hãy mở trang điều khiển bằng địa chỉ mạng LAN của máy (in ra khi khởi động máy chủ).',
    'access.waiting': 'Đang tải mã tham gia…',
    'access.code_label': 'Mã',
    'access.qr_alt': 'Mã QR tham gia của {team}',
    'access.enlarge': 'Bấm để phóng to mã QR',
    'access.rotate': 'Đổi mã',
    'access.rotate_label': 'Đổi mã tham gia của {team}',
    'access.phones': 'Điện thoại của đội',
    'access.no_phones': 'Chưa có máy nào tham gia',
    'access.online': 'đang kết nối',
    'access.silent': 'không phản hồi',
    'access.offline': 'không kết nối',
    'access.revoked': 'đã gỡ',
    'access.revoke': 'Gỡ',
    'access.revoke_label': 'Gỡ Máy {n} khỏi {team}',
    'access.rotated': 'Đã đổi mã của {team}.',
    'access.revoked_done': 'Đã gỡ Máy {n} khỏi {team}.',
    'access.failed': 'Mã sai đã nhập',
    'access.failed_line': '{n} mã sai từ {address}',
    'access.failed_held': '{n} lần bị tạm chặn',
    'control.failed_alert': 'Nhập sai mã tham gia nhiều lần: {list}. Máy chủ đang tự làm chậm các lần thử (xem mục Mã tham gia).',
    'control.failed_item': '{n} mã sai cho {team} từ {address}',
    'control.failed_item_held': ' (thêm {n} lần bị tạm chặn)',
    'control.failed_more': 'và {n} nơi khác',
    'confirm.rotate_title': 'Đổi mã tham gia của {team}?',
    'confirm.rotate_detail': 'Mã cũ và mã QR cũ sẽ không dùng được nữa. Các máy đã tham gia vẫn giữ nguyên.',
    'confirm.rotate_ok': 'Đổi mã',
    'confirm.revoke_title': 'Gỡ Máy {n} khỏi {team}?',
    'confirm.revoke_detail': 'Máy này bị ngắt kết nối ngay và không tự vào lại được nữa; muốn dùng lại phải nhập mã tham gia của đội.',
    'confirm.revoke_ok': 'Gỡ máy',
    'confirm.cancel': 'Hủy',
    'export.title': 'Tải xuống:',
    'export.csv': 'Kết quả (CSV)',
    'export.json': 'Kết quả (JSON)',
    'export.audit': 'Nhật ký (JSONL)',
    'btn.next': 'Câu tiếp theo',
    'btn.open': 'Mở chuông',
    'btn.lock': 'Khóa chuông',
    'btn.correct': 'Đúng',
    'btn.wrong': 'Sai',
    'btn.reveal': 'Hiện đáp án',
    'btn.undo': 'Hoàn tác',
    'btn.start_round': 'Bắt đầu phần thi',
    'btn.round_ranking': 'Xếp hạng phần thi',
    'btn.overall_ranking': 'Xếp hạng chung',
    'btn.intermission': 'Giải lao',
    'btn.finish': 'Kết thúc hội thi',
    'btn.finish_confirm': 'Bấm lần nữa để kết thúc',
    'phase.ready': 'Chờ mở chuông',
    'phase.open': 'Chuông đang mở',
    'phase.settling': 'Đang xác định đội nhanh nhất…',
    'phase.floor': 'Đang trả lời',
    'phase.floor_time_up': 'Hết giờ trả lời — hãy chấm',
    'phase.locked': 'Chuông đã khóa',
    'phase.closed': 'Câu hỏi đã đóng',
    'reason.correct': 'có đội trả lời đúng',
    'reason.no_buzz': 'hết giờ, không đội nào bấm chuông',
    'reason.all_tried': 'các đội đều đã trả lời',
    'reason.revealed': 'đã công bố đáp án',
    'hint.ready': 'Đọc câu hỏi, rồi Mở chuông (O).',
    'hint.open': 'Chờ các đội bấm chuông…',
    'hint.settling': 'Một phần giây để so thời điểm bấm của các đội…',
    'hint.floor': 'Nghe câu trả lời, rồi chấm Đúng (C) hoặc Sai (W).',
    'hint.locked': 'Mở chuông lại (O), Hiện đáp án (R) hoặc sang câu tiếp theo (N).',
    'hint.closed': 'Hiện đáp án (R) hoặc sang câu tiếp theo (N).',
    'adjust.title': 'Điều chỉnh điểm',
    'adjust.add': 'Cộng điểm',
    'adjust.deduct': 'Trừ điểm',
    'adjust.points': 'Số điểm',
    'adjust.reason': 'Lý do',
    'adjust.reason_placeholder': 'VD: Ban giám khảo chấm phần Chào hỏi',
    'adjust.cancel': 'Hủy',
    'adjust.apply_add': 'Cộng {n} điểm',
    'adjust.apply_deduct': 'Trừ {n} điểm',
    'adjust.plus_label': 'Cộng điểm cho {team}',
    'adjust.minus_label': 'Trừ điểm của {team}',

    // Screen page
    'screen.title': 'Màn hình chiếu',
    'screen.starting': 'Chương trình sắp bắt đầu',
    'screen.teams': 'Các đội thi',
    'screen.scoreboard': 'Bảng điểm',
    'screen.ready': 'Mời các đội nghe câu hỏi',
    'screen.open': 'Mời các đội bấm chuông!',
    'screen.floor': 'Giành quyền trả lời',
    'screen.settling': 'Đang xác định…',
    'screen.close_call': 'sát nút',
    'screen.time_up': 'Hết giờ!',
    'screen.locked': 'Chuông đã khóa',
    'screen.no_buzz': 'Hết giờ — không đội nào bấm chuông',
    'screen.all_tried': 'Không đội nào trả lời đúng',
    'screen.correct_by': 'Xin chúc mừng {team}!',
    'screen.revealed': 'Đáp án',
    'screen.final': 'Kết quả chung cuộc',
    'screen.fullscreen': 'F: toàn màn hình',
    'screen.ranking_round': 'Kết quả phần thi {title}',
    'screen.ranking_all': 'Bảng xếp hạng chung',
    'screen.intermission': 'Giải lao',
  },
  en: {
    'lang.switch': 'Đổi ngôn ngữ / Switch language',
    'conn.connecting': 'Connecting…',
    'conn.connected': 'Connected',
    'conn.disconnected': 'Disconnected — reconnecting…',
    'conn.failed': 'Connection refused',
    'not_connected': 'Not connected to the server — please wait.',
    'points': '{n} pts',
    'round': 'Round {n}/{total}',
    'question_no': 'Question {n}/{total}',
    'answer': 'Answer',
    'prize.1': 'First prize',
    'prize.2': 'Second prize',
    'prize.3': 'Third prize',
    'verdict.correct': 'Correct',
    'verdict.wrong': 'Not quite right',
    'seconds': '{n} s',
    'unit.ms': '{n}\u00a0ms',
    'ago.now': 'just now',
    'ago.s': '{n} s ago',
    'ago.min': '{n} min ago',

    'rej.no_question': 'No question is on stage yet.',
    'rej.contest_finished': 'The contest is over.',
    'rej.buzzers_open': 'The buzzers are open — lock them first.',
    'rej.awaiting_judgement': 'A team has the floor — judge it first.',
    'rej.question_closed': 'This question is closed.',
    'rej.buzzers_not_open': 'The buzzers are not open.',
    'rej.buzzers_closed': 'The buzzers are not open — wait for the MC.',
    'rej.floor_taken': 'Too late! Another team has the floor.',
    'rej.already_has_floor': 'Your team already has the floor.',
    'rej.already_tried': 'Your team already answered this question.',
    'rej.no_floor': 'No team has the floor to judge.',
    'rej.nothing_to_undo': 'No judgement to undo on this question.',
    'rej.already_revealed': 'The answer is already revealed.',
    'rej.unknown_team': 'No such team.',
    'rej.invalid_adjustment': 'Invalid adjustment: points must be non-zero, not too large, and a reason is required.',
    'rej.already_buzzed': 'Your team has already buzzed.',
    'rej.false_start_lockout': 'Too early! Your buzzer is locked for a moment.',
    'rej.lost_by_false_start': 'Your team buzzed too early (foul) and lost this question.',
    'rej.unknown_round': 'No such round.',
    'rej.round_played': 'Every question of this round has been shown.',
    'rej.caption_too_long': 'The intermission caption is too long (120 characters at most).',
    'err.bad_message': 'The server did not understand the message.',
    'err.binary_not_supported': 'The server does not accept binary messages.',
    'err.hello_first': 'This device has not signed in to the server.',
    'err.already_joined': 'This device has already joined.',
    'err.unknown_team': 'No such team — please choose your team again.',
    'err.bad_token': 'Wrong control token.',
    'err.not_allowed': 'You are not allowed to do that.',
    'err.unknown': 'Error: {message}',
    'err.bad_code': 'Wrong join code.',
    'err.unknown_device': 'This phone is not registered with a team — choose your team and enter its join code.',
    'err.device_revoked': 'The organisers removed this phone from the team',
    'err.device_refused': 'This phone is registered with another team — choose your team again and enter its join code.',
    'err.team_full': 'Your team already has the most phones allowed connected — close the page on another phone of the team and try again.',
    'err.rate_limited': 'Too many messages — slow down.',
    'err.storage_failed': 'The server could not save this — try again in a moment.',
    'err.server_error': 'Server error — try again in a moment.',
    'err.throttled': 'Too many wrong join codes — please wait, then try again.',
    'rej.storage_failed': 'The server could not save this; nothing changed.',

    'join.title': 'Buzzer — Team',
    'join.heading': 'Choose your team',
    'join.loading': 'Loading teams…',
    'join.load_failed': 'Could not load the teams. Retrying…',
    'join.no_teams': 'No teams yet.',
    'join.joined': 'Joined · {n} device(s)',
    'join.not_joined': 'Not joined',
    'join.change': 'Change team',
    'join.buzz': 'BUZZ',
    'join.hint': 'Tap the button (or press Space / Enter)',
    'join.team_gone': 'The chosen team is no longer in the contest — please choose again.',
    'join.change_confirm': 'Tap again to change team',
    'join.back': '← Choose another team',
    'join.code_for': 'Your team',
    'join.code_label': 'Team join code',
    'join.code_help': '7 letters and digits, given to each team by the organisers (or scan your team’s QR code).',
    'join.submit': 'Join',
    'join.joining': 'Joining…',
    'join.code_empty': 'Enter your team’s join code.',
    'join.code_length': 'The code has 7 characters — you typed {n}.',
    'join.code_chars': 'Codes have no {chars}. They only use easy-to-read letters and digits (no O, 0, I, 1, L, Z, 2, S, 5, B, 8).',
    'join.code_ime': 'The code contains accented letters ({chars}) — turn off the Vietnamese keyboard (Telex/VNI) and type it again.',
    'join.bad_code': 'Wrong code. Check your team’s code with the organisers.',
    'join.bad_link_code': 'The code in the QR code / link is no longer valid (the organisers may have changed it). Enter your team’s new code.',
    'join.team_full_wait': 'Your team has the most phones allowed connected — waiting for one of them to leave…',
    'join.throttled': 'Too many wrong codes from this network. Please wait {n} s, then try again.',
    'join.throttled_link': 'Too many wrong codes from this network. Trying again in {n} s…',
    'held.waiting': 'Reconnecting — your buzz will be sent',
    'held.sent': 'Buzz sent — waiting for the server’s verdict…',
    'held.accepted': 'Your buzz from while you were offline reached the server.',
    'held.too_late': 'Too late: {team} won the floor before your buzz reached the server.',
    'held.closed': 'Too late: the question was over before your buzz reached the server.',
    'held.refused': 'Your buzz from while you were offline did not count: {reason}',
    'held.question_changed': 'Your buzz from while you were offline was not sent: the question has changed.',
    'held.locked': 'Your buzz from while you were offline was not sent: the MC locked the buzzers meanwhile.',
    'st.connecting': 'Connecting…',
    'st.connecting_sub': 'Keep this screen open; the buzzer will be ready shortly.',
    'st.waiting_start': 'Waiting for the contest to start',
    'st.waiting_start_sub': 'Keep this screen open.',
    'st.ready': 'Wait for the MC to open the buzzers',
    'st.ready_sub': 'Get ready to buzz!',
    'st.open': 'BUZZ NOW!',
    'st.open_sub': 'Who wins the right to answer?',
    'st.settling': 'Buzzed!',
    'st.settling_sub': 'Finding the fastest team…',
    'st.false_start': 'Too early! The buzzers are not open.',
    'st.lost': 'Foul — buzzed too early',
    'st.lost_sub': 'Your team lost the right to answer this question.',
    'st.mine': 'YOU HAVE THE FLOOR!',
    'st.mine_sub': 'Please answer',
    'st.mine_time_up': "Time's up — waiting for the MC",
    'st.other': '{team} has the floor',
    'st.other_sub': 'Waiting for the result…',
    'st.behind': '{ms} behind',
    'st.behind_close': '{ms} behind — a close call!',
    'st.false_start_locked': 'Too early! The buzzers are not open — locked for {ms}.',
    'st.lockout': 'Too early — buzzer locked',
    'st.lockout_sub': 'It unlocks in a moment.',
    'st.tried': 'Your team already answered',
    'st.tried_sub': 'You cannot buzz again on this question.',
    'st.locked': 'Buzzers locked',
    'st.locked_sub': 'Wait for the MC…',
    'st.time_up': "Time's up",
    'st.time_up_sub': 'No team buzzed.',
    'st.correct_me': 'CORRECT!',
    'st.correct_me_sub': 'Congratulations to your team!',
    'st.correct_other': '{team} answered correctly',
    'st.closed': 'Question closed',
    'st.all_tried_sub': 'No team found the answer.',
    'st.revealed_sub': 'The answer has been revealed.',
    'st.finished': 'The contest is over',
    'st.finished_sub': 'Your team ranks {rank} of {count} with {score} points.',
    'st.round_intro': 'Get ready: {title}',
    'st.round_intro_sub': '{round} is about to begin — wait for the first question.',
    'st.round_scored_sub': '{round} — scored by the judges.',
    'st.ranking': 'Ranking on screen',
    'st.ranking_sub': 'Your team ranks {rank} with {points} points.',
    'st.intermission': 'Intermission',
    'st.pause_sub': 'Keep this screen open — the buzzer comes back with the next question.',

    'control.title': 'Control — MC',
    'control.no_token': 'The control token is missing. Open the exact /control#token=… link printed when the server started.',
    'control.bad_token': 'Wrong control token. Open the exact /control#token=… link printed when the server started.',
    'control.not_started': 'Not started — press “Next question” to show the first question, or “Start round” (Programme) to put the round’s title on screen first.',
    'control.finished': 'The contest is over. The final ranking is on the projector.',
    'control.finished_resume': 'Finished by mistake? “Start round” on a round not over yet resumes the contest.',
    'control.on_round_intro': 'On screen: the round’s title, {title}.',
    'control.intro_next': 'Press “Next question” for its first question.',
    'control.intro_scored': 'A scored round: enter each team’s points with the + / − buttons of the scoreboard (with a reason).',
    'control.round_scored': 'scored by hand, no questions',
    'control.on_ranking_round': 'On screen: the results of the round {title}.',
    'control.on_ranking_all': 'On screen: the overall ranking.',
    'control.on_intermission': 'On screen: intermission — “{caption}”.',
    'control.on_intermission_plain': 'On screen: intermission.',
    'control.after_slide': 'Press “Next question” to go on, or pick a round in the Programme.',
    'control.programme': 'Programme',
    'control.round_shown': '{shown}/{total} questions shown',
    'control.round_current': 'Now playing',
    'control.start_round_label': 'Start round {n}: {title}',
    'control.round_ranking_label': 'Show the results of round {n}: {title}',
    'control.intermission_caption': 'Caption on the projector (optional)',
    'control.intermission_placeholder': 'e.g. 10-minute break — a song from the hosts',
    'control.intermission_show': 'Put on screen',
    'control.confirm_finish': 'Finish the contest now? Questions not shown are dropped and the final results go on the projector — press again to confirm.',
    'control.mc_only': 'MC ONLY — do not project',
    'control.notes': 'Notes',
    'control.phase': 'Status',
    'control.floor': 'Has the floor',
    'control.nobody': '—',
    'control.buzz_order': 'Buzz order',
    'control.judgements': 'Judgements',
    'control.none': 'None yet',
    'control.teams': 'Scoreboard',
    'control.col_team': 'Team',
    'control.col_score': 'Points',
    'control.col_devices': 'Devices',
    'control.col_status': 'This question',
    'control.col_adjust': 'Add / deduct',
    'control.devices': '{n} device(s)',
    'control.tried': '✗ answered wrong',
    'control.lost': '⚠ foul (early buzz)',
    'control.online': '{online}/{n} device(s)',
    'control.offline_hint': 'A device is not answering (screen off or out of range)',
    'control.rtt': '{ms} ms',
    'control.false_starts': 'Early buzzes',
    'control.race': 'Opening {n}',
    'control.close_call': 'close call',
    'control.has_floor': '● answering',
    'control.shortcuts': 'Shortcuts: N next question · O open · L lock · C correct · W wrong · R reveal · U undo · E evidence',
    'control.offline': 'Disconnected',
    'control.offline_alert': 'Disconnected: {teams} — check the phones before opening the buzzers.',
    'control.fs_lock': '{team} (locked {ms})',
    'control.fs_lost': '{team} (lost the question)',
    'control.fs_times': ' ×{n}',
    'control.clamped': 'press time clamped',
    'link.device': 'Phone {n}',
    'link.device_title': 'Connection no. {id}',
    'link.offline': 'DISCONNECTED',
    'link.offset': 'offset {ms}',
    'link.rtt': 'round trip {ms}',
    'link.uplink': 'uplink max {ms}',
    'link.measuring': 'measuring…',
    'link.settling_title': 'Estimate from only {n} exchanges so far; give it about a second',
    'link.never_seen': 'no answer yet',
    'link.offset_title': 'Phone clock minus server clock',
    'link.rtt_title': 'Best round trip (server → phone → server)',
    'link.uplink_title': 'Slowest phone → server delay of the last 32 exchanges',
    'link.seen_title': 'Last answer from the phone',
    'btn.evidence': 'Evidence',
    'ev.title': 'Buzz evidence',
    'ev.explain': 'Press time = the time the phone recorded − its clock offset (measured continuously). The earliest press wins, not the first message to arrive. Times are on the server clock.',
    'ev.close': 'Close',
    'ev.none': 'No buzzes on this question yet.',
    'ev.no_question': 'No question is on stage yet.',
    'ev.col_rank': 'Rank',
    'ev.col_team': 'Team',
    'ev.col_gap': 'Behind first',
    'ev.col_press': 'Pressed at',
    'ev.col_arrived': 'Arrived at',
    'ev.col_delay': 'Delay (arrival − press)',
    'ev.col_claimed': 'Phone clock',
    'ev.col_offset': 'Clock offset',
    'ev.col_rtt': 'Round trip',
    'ev.col_allowance': 'Allowance',
    'ev.col_notes': 'Notes',
    'ev.col_time': 'At',
    'ev.col_penalty': 'Penalty',
    'ev.first': 'first',
    'ev.no_claim': 'No press time sent — counted at arrival',
    'ev.false_starts': 'Early buzzes (before the buzzers opened)',
    'ev.locked_until': 'locked until {time} ({ms})',
    'ev.lost_question': 'lost the right to answer this question',
    'clamp.early': 'clamped: earlier than allowed',
    'clamp.late': 'clamped: later than arrival',
    'clamp.before_open': 'clamped: before the buzzers opened',
    'control.links': 'Teams open: {join} · Projector: {screen}',
    'control.confirm_next': 'The question is not over — press again to move on',
    'control.done': 'Done.',
    'access.title': 'Join codes',
    'access.explain': 'Each team scans its QR code, or opens {join}, picks its team and types the code. Changing a code does not affect phones already joined.',
    'access.localhost': 'This page is open at {host}: phones cannot reach that address, so the QR codes will not work. Open the control page at this computer’s LAN address (printed when the server started).',
    'access.waiting': 'Loading join codes…',
    'access.code_label': 'Code',
    'access.qr_alt': 'Join QR code for {team}',
    'access.enlarge': 'Click to enlarge the QR code',
    'access.rotate': 'New code',
    'access.rotate_label': 'Give {team} a new join code',
    'access.phones': 'Team phones',
    'access.no_phones': 'No phone has joined yet',
    'access.online': 'connected',
    'access.silent': 'not responding',
    'access.offline': 'not connected',
    'access.revoked': 'removed',
    'access.revoke': 'Remove',
    'access.revoke_label': 'Remove phone {n} from {team}',
    'access.rotated': 'New code for {team}.',
    'access.revoked_done': 'Phone {n} removed from {team}.',
    'access.failed': 'Wrong codes tried',
    'access.failed_line': '{n} wrong code(s) from {address}',
    'access.failed_held': '{n} held back',
    'control.failed_alert': 'Repeated wrong join codes: {list}. The server is slowing these tries down (see Join codes).',
    'control.failed_item': '{n} wrong code(s) for {team} from {address}',
    'control.failed_item_held': ' (another {n} held back)',
    'control.failed_more': 'and {n} more',
    'confirm.rotate_title': 'Give {team} a new join code?',
    'confirm.rotate_detail': 'The old code and QR code stop working. Phones already joined stay.',
    'confirm.rotate_ok': 'Change code',
    'confirm.revoke_title': 'Remove phone {n} from {team}?',
    'confirm.revoke_detail': 'The phone is disconnected at once and cannot rejoin by itself; to use it again it needs the team’s join code.',
    'confirm.revoke_ok': 'Remove phone',
    'confirm.cancel': 'Cancel',
    'export.title': 'Download:',
    'export.csv': 'Results (CSV)',
    'export.json': 'Results (JSON)',
    'export.audit': 'Audit log (JSONL)',
    'btn.next': 'Next question',
    'btn.open': 'Open buzzers',
    'btn.lock': 'Lock buzzers',
    'btn.correct': 'Correct',
    'btn.wrong': 'Wrong',
    'btn.reveal': 'Reveal answer',
    'btn.undo': 'Undo',
    'btn.start_round': 'Start round',
    'btn.round_ranking': 'Round ranking',
    'btn.overall_ranking': 'Overall ranking',
    'btn.intermission': 'Intermission',
    'btn.finish': 'Finish contest',
    'btn.finish_confirm': 'Press again to finish',
    'phase.ready': 'Ready — buzzers closed',
    'phase.open': 'Buzzers open',
    'phase.settling': 'Finding the fastest team…',
    'phase.floor': 'Answering',
    'phase.floor_time_up': "Answer time's up — please judge",
    'phase.locked': 'Buzzers locked',
    'phase.closed': 'Question closed',
    'reason.correct': 'a team answered correctly',
    'reason.no_buzz': "time's up, no team buzzed",
    'reason.all_tried': 'every team has answered',
    'reason.revealed': 'answer revealed',
    'hint.ready': 'Read the question, then Open buzzers (O).',
    'hint.open': 'Waiting for a team to buzz…',
    'hint.settling': 'A split second to compare the teams’ press times…',
    'hint.floor': 'Listen to the answer, then judge Correct (C) or Wrong (W).',
    'hint.locked': 'Open again (O), Reveal (R) or go to the next question (N).',
    'hint.closed': 'Reveal the answer (R) or go to the next question (N).',
    'adjust.title': 'Adjust score',
    'adjust.add': 'Add points',
    'adjust.deduct': 'Deduct points',
    'adjust.points': 'Points',
    'adjust.reason': 'Reason',
    'adjust.reason_placeholder': 'e.g. Judges’ score for the greeting round',
    'adjust.cancel': 'Cancel',
    'adjust.apply_add': 'Add {n} points',
    'adjust.apply_deduct': 'Deduct {n} points',
    'adjust.plus_label': 'Add points to {team}',
    'adjust.minus_label': 'Deduct points from {team}',

    'screen.title': 'Projector screen',
    'screen.starting': 'Starting soon',
    'screen.teams': 'Teams',
    'screen.scoreboard': 'Scoreboard',
    'screen.ready': 'Listen to the question',
    'screen.open': 'Buzz now!',
    'screen.floor': 'Has the floor',
    'screen.settling': 'Deciding…',
    'screen.close_call': 'close call',
    'screen.time_up': "Time's up!",
    'screen.locked': 'Buzzers locked',
    'screen.no_buzz': "Time's up — no team buzzed",
    'screen.all_tried': 'No team found the answer',
    'screen.correct_by': 'Congratulations, {team}!',
    'screen.revealed': 'Answer',
    'screen.final': 'Final results',
    'screen.fullscreen': 'F: full screen',
    'screen.ranking_round': 'Round results: {title}',
    'screen.ranking_all': 'Overall ranking',
    'screen.intermission': 'Intermission',
  },
};

const LANG_KEY = 'stagebuzz.lang';
let lang = readLang();
const langListeners = [];

function readLang() {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved && STRINGS[saved]) return saved;
  } catch {
    // localStorage can be unavailable (private mode): Vietnamese default.
  }
  return 'vi';
}

/** Current language: `vi` or `en`. */
export function getLang() {
  return lang;
}

/** Translates `key`, filling `{name}` placeholders from `params`. Falls back to Vietnamese. */
export function t(key, params = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Switches the language, remembers it, re-translates static text and tells the pages. */
export function setLang(next) {
  if (!STRINGS[next] || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // Not remembered; still switched for this page.
  }
  applyI18n();
  langListeners.forEach((fn) => fn(lang));
}

/** Calls `fn` after every language switch (pages re-render their dynamic text there). */
export function onLangChange(fn) {
  langListeners.push(fn);
}

/**
 * Translates static markup: `data-i18n` sets textContent; `data-i18n-title`,
 * `data-i18n-placeholder` and `data-i18n-aria-label` set those attributes.
 */
export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  root.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  for (const attr of ['title', 'placeholder', 'aria-label']) {
    const data = `data-i18n-${attr}`;
    root.querySelectorAll(`[${data}]`).forEach((el) => el.setAttribute(attr, t(el.getAttribute(data))));
  }
  document.querySelectorAll('[data-lang-toggle] [data-lang]').forEach((span) => {
    span.classList.toggle('active', span.dataset.lang === lang);
  });
}

/** Wires every `[data-lang-toggle]` button (VI/EN) and translates the page once. */
export function setupI18n() {
  document.querySelectorAll('[data-lang-toggle]').forEach((btn) => {
    btn.addEventListener('click', () => setLang(lang === 'vi' ? 'en' : 'vi'));
  });
  applyI18n();
}

/** The translated text of a `rejected` or `error` message (falls back to the server's English). */
export function codeMessage(msg) {
  const key = `${msg.type === 'rejected' ? 'rej' : 'err'}.${msg.code}`;
  if (STRINGS.vi[key]) return t(key);
  return t('err.unknown', { message: msg.message || msg.code || '?' });
}

// ---------------------------------------------------------------------------------------------
// WebSocket connection
// ---------------------------------------------------------------------------------------------

/**
 * `error` codes (or close reasons) after which retrying the same `hello` is pointless: stop
 * reconnecting and let the page decide (ask for the token again, show the team list…).
 */
export const FATAL_ERRORS = new Set([
  'bad_token', 'unknown_team', 'bad_code', 'unknown_device', 'device_revoked', 'device_refused',
]);

/** With `fastRetry`, the longest wait between two attempts: under a second, so a phone is back
 * within a second of the server or its network. */
const FAST_RETRY_MAX_MS = 750;
/** With a watchdog: a socket not open after this long is replaced. */
const CONNECTING_TIMEOUT_MS = 1500;

/** After the server refused a `hello` for a passing reason (`team_full`…), wait at least this. */
const REFUSED_RETRY_MS = 2000;

/**
 * Opens the socket, says `hello`, and keeps it alive: after a drop it retries after 0.5 s, then
 * backs off (1, 2, 4, 5 s max) and says `hello` again; the next `state` brings the page up to date.
 * With `fastRetry` (team phones) it retries after 0.25 s, 0.5 s, then every 0.75 s, so a phone is
 * back within a second of the server or its network. A phone waking up, coming back on screen or getting its
 * network back reconnects at once.
 *
 * Clock sync (team sockets): the server pings with `sync {t0}`; we answer at once with
 * `sync_reply {t0, t1, t2}` on the `performance.now()` clock, so the server can turn a buzz's
 * `pressed_at` into its own time and judge presses fairly whatever the Wi-Fi delay.
 *
 * - `hello`: extra fields of `hello`, an object or a function called at every (re)connection
 *   (a team phone first joins with its team's code, then rejoins with its device token).
 * - `watchdogMs`: for sockets the server pings at least every second (team): a socket silent
 *   for that long is taken as dead (a half-open TCP after a network change) and replaced.
 * - `onState(state, receivedAt)`: every `state`; `receivedAt` is `performance.now()` at receipt.
 * - `onMessage(msg)`: every other message (`welcome`, `ack`, `rejected`, `error`, `access`).
 *   A close whose reason is a fatal code (e.g. `device_revoked`, sent without an `error`) is
 *   passed on as `{type: 'error', code}` too.
 * - `onStatus(status)`: `connecting` (first connection), `connected` (after `welcome`),
 *   `disconnected` (dropped, until back), `failed`.
 * - `onSync(count)`: after each `sync_reply`, with how many this connection has sent.
 *
 * Returns `{ send(obj) → id | null, close(), syncs, connected, checkAlive() }`.
 */
export function connect({ role, team, token, hello, fastRetry = false, watchdogMs = 0, onState, onMessage, onStatus, onSync }) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  let ws = null;
  let welcomed = false;
  let attempt = 0;
  let retryTimer = null;
  let stopped = false;
  let nextId = 1;
  let lastHeard = 0; // performance.now() of the last message (or of opening the socket)
  let syncs = 0; // sync replies sent on the current socket
  let refused = false; // the server answered this socket's hello with a (non-fatal) error
  let fatalSent = false;
  let everConnected = false; // a `welcome` came once: later attempts are reconnections
  const status = (s) => onStatus && onStatus(s);

  function fatal(code, message) {
    shutdown();
    status('failed');
    if (!fatalSent) {
      fatalSent = true;
      onMessage && onMessage({ type: 'error', code, message: message || code });
    }
  }

  function open() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (stopped) return;
    welcomed = false;
    syncs = 0;
    refused = false;
    lastHeard = performance.now();
    // After a drop the page keeps saying so ("reconnecting") until it is really back.
    status(everConnected ? 'disconnected' : 'connecting');
    let sock;
    try {
      sock = new WebSocket(url);
    } catch {
      scheduleRetry();
      return;
    }
    ws = sock;
    sock.addEventListener('open', () => {
      if (ws !== sock) return;
      const extra = typeof hello === 'function' ? hello() : hello;
      const msg = { type: 'hello', role };
      if (team) msg.team = team;
      if (token) msg.token = token;
      sock.send(JSON.stringify({ ...msg, ...(extra || {}) }));
    });
    sock.addEventListener('message', (ev) => {
      if (ws !== sock) return;
      const receivedAt = performance.now();
      lastHeard = receivedAt;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return; // Not JSON: ignore rather than crash the page on stage.
      }
      if (msg.type === 'sync') {
        // Answer before anything else: time spent here would count as network delay.
        sock.send(JSON.stringify({ type: 'sync_reply', t0: msg.t0, t1: receivedAt, t2: performance.now() }));
        syncs += 1;
        if (onSync) onSync(syncs);
        return;
      }
      if (msg.type === 'welcome') {
        welcomed = true;
        everConnected = true;
        attempt = 0;
        status('connected');
      } else if (msg.type === 'error' && FATAL_ERRORS.has(msg.code)) {
        fatal(msg.code, msg.message);
        return;
      } else if (msg.type === 'error' && !welcomed) {
        refused = true;
      }
      if (msg.type === 'state') onState && onState(msg, receivedAt);
      else onMessage && onMessage(msg);
    });
    sock.addEventListener('close', (ev) => {
      if (ws !== sock) return; // An old socket we already replaced or closed on purpose.
      ws = null;
      welcomed = false;
      if (stopped) return;
      // A revoked phone is closed with the reason only, no `error` before it.
      if (FATAL_ERRORS.has(ev.reason)) {
        fatal(ev.reason);
        return;
      }
      status('disconnected');
      scheduleRetry();
    });
  }

  function scheduleRetry() {
    if (stopped) return;
    let delay = fastRetry ? Math.min(FAST_RETRY_MAX_MS, 250 * 2 ** attempt) : Math.min(5000, 500 * 2 ** attempt);
    if (refused) delay = Math.max(delay, REFUSED_RETRY_MS);
    // Up to 30 % random spread: after a Wi-Fi blip a hall of phones must not all knock at the
    // same instant.
    delay = Math.round(delay * (1 + 0.3 * Math.random()));
    attempt += 1;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, delay);
  }

  /** Drops the current socket (if any) and opens a new one now. */
  function reopen() {
    const sock = ws;
    ws = null;
    welcomed = false;
    if (sock) {
      try {
        sock.close();
      } catch {
        // Already closing.
      }
    }
    open();
  }

  /**
   * Whether the socket has been silent too long to be trusted (team sockets are pinged ≥ 1/s), or
   * is still not open long after it was made (a handshake on a LAN takes milliseconds).
   */
  function stale(limit) {
    if (!ws || watchdogMs <= 0) return false;
    const silent = performance.now() - lastHeard;
    return silent > limit || (ws.readyState === WebSocket.CONNECTING && silent > Math.min(limit, CONNECTING_TIMEOUT_MS));
  }

  // A phone waking up or getting Wi-Fi back should not wait for the backoff timer, nor for a
  // dead socket to time out.
  function retryNow() {
    if (stopped || document.visibilityState !== 'visible') return;
    if (!ws) open();
    else if (stale(Math.min(watchdogMs, 1500))) reopen();
  }
  document.addEventListener('visibilitychange', retryNow);
  window.addEventListener('online', retryNow);
  const watchdog = watchdogMs > 0 ? setInterval(() => {
    if (!stopped && stale(watchdogMs)) reopen();
  }, 250) : null;

  /** Stops reconnecting and forgets the page events (the socket itself may still close). */
  function shutdown() {
    stopped = true;
    clearTimeout(retryTimer);
    if (watchdog) clearInterval(watchdog);
    document.removeEventListener('visibilitychange', retryNow);
    window.removeEventListener('online', retryNow);
  }

  open();

  return {
    /** Sends a command with a fresh `id`; returns the id, or null when not connected. */
    send(obj) {
      if (!ws || !welcomed || ws.readyState !== WebSocket.OPEN) return null;
      const id = nextId++;
      ws.send(JSON.stringify({ ...obj, id }));
      return id;
    },
    /** Sync pings answered on the current connection (the server's clock estimate needs a few). */
    get syncs() {
      return syncs;
    },
    /** Joined (`welcome` received) on an open socket. */
    get connected() {
      return Boolean(ws) && welcomed && ws.readyState === WebSocket.OPEN;
    },
    /**
     * Reconnects at once if the socket is gone or has been quiet for `quietMs` (e.g. a buzz got no
     * answer while pings should be coming every 100 ms).
     */
    checkAlive(quietMs = 1500) {
      if (stopped) return;
      if (!ws) open();
      else if (stale(quietMs)) reopen();
    },
    /** Closes for good (e.g. the team page going back to the team list). */
    close() {
      shutdown();
      const sock = ws;
      ws = null;
      if (sock) sock.close();
    },
  };
}

/**
 * Connection indicator: a dot plus text in `el`. Returns `setStatus(status)`; the text follows
 * language switches by itself.
 */
export function connectionIndicator(el) {
  let current = 'connecting';
  el.classList.add('conn');
  const dot = h('span', { className: 'conn-dot', 'aria-hidden': 'true' });
  const label = h('span', { className: 'conn-label' });
  el.replaceChildren(dot, label);
  el.setAttribute('role', 'status');
  const render = () => {
    el.dataset.status = current;
    label.textContent = t(`conn.${current}`);
  };
  onLangChange(render);
  render();
  return (status) => {
    current = status;
    render();
  };
}

// ---------------------------------------------------------------------------------------------
// Countdown
// ---------------------------------------------------------------------------------------------

/**
 * Countdown driven by `state.buzz.deadline_ms`. The server and the device clocks differ, so the
 * remaining time (`deadline_ms − now_ms`) is anchored to `performance.now()` at receipt, then
 * animated with requestAnimationFrame.
 *
 * `onFrame(null)` when no countdown runs, else `onFrame({ left, total, fraction })` every frame
 * (`left`/`total` in ms, `fraction` = left / total, 0..1).
 */
/**
 * The countdown bar used by the team and control pages: `#countdown` (hidden when no countdown
 * runs) with `#countdown-bar` scaled to the time left and `#countdown-secs` as text.
 */
export function createBarCountdown() {
  const box = document.getElementById('countdown');
  const bar = document.getElementById('countdown-bar');
  const secs = document.getElementById('countdown-secs');
  return createCountdown((c) => {
    box.hidden = !c;
    if (!c) return;
    bar.style.transform = `scaleX(${c.fraction})`;
    secs.textContent = countdownText(c.left);
    box.classList.toggle('urgent', c.left < 3000);
  });
}

export function createCountdown(onFrame) {
  let deadline = null; // in performance.now() time
  let total = 0;
  let raf = 0;

  function frame() {
    raf = 0;
    if (deadline === null) return;
    const left = Math.max(0, deadline - performance.now());
    onFrame({ left, total, fraction: total > 0 ? Math.min(1, left / total) : 0 });
    if (left > 0) raf = requestAnimationFrame(frame);
  }

  return {
    /** Feed every state (and its receipt time) here. */
    update(state, receivedAt) {
      const buzz = state && state.buzz;
      cancelAnimationFrame(raf);
      raf = 0;
      if (!buzz || buzz.deadline_ms == null) {
        deadline = null;
        onFrame(null);
        return;
      }
      deadline = receivedAt + (buzz.deadline_ms - state.now_ms);
      total = buzz.countdown_ms || Math.max(1, buzz.deadline_ms - state.now_ms);
      frame();
    },
  };
}

/** Whole seconds left, rounded up so "1" shows until the very end. */
export function secondsLeft(left) {
  return Math.ceil(left / 1000);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * Tiny element builder. `props` keys: `className`, `dataset` (object), `text` (textContent),
 * any other key becomes an attribute. Children: nodes or strings (as text nodes, never HTML).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'className') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return el;
}

/** The display name of team `id` in `state` (the id itself if unknown). */
export function teamName(state, id) {
  const team = state && state.teams.find((x) => x.id === id);
  return team ? team.name : id;
}

/**
 * Teams sorted by score (highest first, ties keep the contest order) with a `rank`:
 * equal scores share a rank (1, 1, 3…).
 */
export function rankTeams(teams) {
  const sorted = teams
    .map((team, order) => ({ ...team, order }))
    .sort((a, b) => b.score - a.score || a.order - b.order);
  sorted.forEach((team, i) => {
    team.rank = i > 0 && team.score === sorted[i - 1].score ? sorted[i - 1].rank : i + 1;
  });
  return sorted;
}

/** Prize name for a rank (1–3), or null. */
export function prizeName(rank) {
  return rank >= 1 && rank <= 3 ? t(`prize.${rank}`) : null;
}

/** "<round> · <question>" label of a state on a question, e.g. "Phần thi 1/1 · Câu 3/14". */
export function questionLabel(state) {
  if (!state.round || !state.question) return '';
  return [
    t('round', { n: state.round.number, total: state.round.total }),
    state.round.title,
    t('question_no', { n: state.question.number, total: state.question.total }),
  ].join(' · ');
}

/** A key identifying the question on stage, to tell "same question, new state" from a new one. */
export function questionKey(state) {
  if (state.stage !== 'question' || !state.round || !state.question) return state.stage;
  return `${state.round.number}/${state.question.number}`;
}

/** Shows a short message at the bottom of the page (rejections, errors). */
export function toast(text, kind = 'error', ms = 3500) {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', className: 'toasts', 'aria-live': 'assertive' });
    document.body.append(box);
  }
  const item = h('div', { className: `toast toast-${kind}`, text });
  box.append(item);
  setTimeout(() => item.classList.add('leaving'), ms);
  setTimeout(() => item.remove(), ms + 400);
}

/** Removes every toast (when the situation they talk about is over). */
export function clearToasts() {
  const box = document.getElementById('toasts');
  if (box) box.replaceChildren();
}

/** Countdown text: "7 giây", then "Hết giờ" at zero. */
export function countdownText(left) {
  return left > 0 ? t('seconds', { n: secondsLeft(left) }) : t('st.time_up');
}

/** Restarts a CSS animation class on `el` (removing and re-adding needs a reflow in between). */
export function replayAnimation(el, className) {
  el.classList.remove(className);
  void el.offsetWidth;
  el.classList.add(className);
}

// ---------------------------------------------------------------------------------------------
// Buzz timing: milliseconds, clock times, races
// ---------------------------------------------------------------------------------------------

/**
 * A duration in ms in the page's language: "12 ms", "0,8 ms" (vi) / "0.8 ms" (en). By default at
 * most one decimal, and only below 10 ms (where it matters); `decimals` fixes the count (the
 * evidence shows every value with one). `sign` prefixes "+" (gaps); negatives get "−".
 */
export function formatMs(ms, { decimals = null, sign = false } = {}) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const digits = decimals ?? (Math.abs(ms) < 10 ? 1 : 0);
  const rounded = Number(Math.abs(ms).toFixed(digits));
  const number = rounded.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-US', {
    minimumFractionDigits: decimals ?? 0,
    maximumFractionDigits: digits,
  });
  const prefix = ms < 0 && rounded !== 0 ? '−' : sign ? '+' : '';
  return t('unit.ms', { n: `${prefix}${number}` });
}

/** A gap to the fastest press: "+12 ms", "+0,8 ms". */
export function formatGap(ms) {
  return formatMs(ms, { sign: true });
}

/** A server time (Unix ms, fractional) as a wall-clock time "hh:mm:ss.mmm" (ms truncated). */
export function formatClock(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const d = new Date(Math.floor(ms));
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * "vừa xong", "2 s trước", "3 phút trước" for an age in ms. Under 2 s reads "just now": the
 * server refreshes link measurements once a second, so a healthy phone is always 0–1 s old.
 */
export function agoText(ms) {
  if (!(ms >= 2000)) return t('ago.now');
  if (ms < 60000) return t('ago.s', { n: Math.floor(ms / 1000) });
  return t('ago.min', { n: Math.floor(ms / 60000) });
}

/**
 * The server clock now (Unix ms), estimated from a `state` and `performance.now()` at its
 * receipt: `now_ms` plus the time elapsed on this device since.
 */
export function serverNow(state, receivedAt) {
  return state.now_ms + (performance.now() - receivedAt);
}

/** The race numbers (openings of the buzzers) that have buzzes, in order. */
export function races(buzz) {
  return [...new Set((buzz.buzzes || []).map((b) => b.race || 1))].sort((a, b) => a - b);
}

/** The buzzes of one race, earliest press first. */
export function raceBuzzes(buzz, race) {
  return (buzz.buzzes || [])
    .filter((b) => (b.race || 1) === race)
    .sort((a, b) => (a.rank || 0) - (b.rank || 0));
}

/** How long a lockout false start locks the team's buzzer (ms), or null for a lost question. */
export function lockoutMs(falseStart) {
  return typeof falseStart.locked_until_ms === 'number' ? falseStart.locked_until_ms - falseStart.at_ms : null;
}

// ---------------------------------------------------------------------------------------------
// Join codes
// ---------------------------------------------------------------------------------------------

/** The letters and digits of join codes (no look-alikes: 0/O, 1/I/L, 2/Z, 5/S, 8/B). */
export const JOIN_CODE_ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';
/** Characters in a join code. */
export const JOIN_CODE_LENGTH = 7;

/** A join code as the server compares it: capitals, without spaces and dashes. */
export function normalizeJoinCode(value) {
  return String(value || '').toUpperCase().replace(/[\s\-‐-―]/g, '');
}

/**
 * What is wrong with a typed join code, as `{key, params}` to translate, or null. `partial`
 * (while typing): only characters that can never be right, not the length.
 */
export function checkJoinCode(value, { partial = false } = {}) {
  const code = normalizeJoinCode(value);
  const unique = (chars) => [...new Set(chars)].join(' ');
  // A Vietnamese keyboard turns "AA" into "Â", "DD" into "Đ", "AF" into "À"…
  const accented = [...code].filter((c) => c.charCodeAt(0) > 127 && /\p{L}/u.test(c));
  if (accented.length) return { key: 'join.code_ime', params: { chars: unique(accented) } };
  const invalid = [...code].filter((c) => !JOIN_CODE_ALPHABET.includes(c));
  if (invalid.length) return { key: 'join.code_chars', params: { chars: unique(invalid) } };
  if (partial) return null;
  if (!code.length) return { key: 'join.code_empty', params: {} };
  if (code.length !== JOIN_CODE_LENGTH) return { key: 'join.code_length', params: { n: code.length } };
  return null;
}
